"""The whole planning job: read a plan's inputs, run reachability, the compliance check and
siting, and collect the results for reports.

``run_plan`` is pure (objects in, objects out); ``load_plan_inputs`` reads files through
:mod:`gis_planner.io`; writers live in :mod:`gis_planner.report`.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from gis_planner._errors import InputDataError

logger = logging.getLogger(__name__)

INPUT_KEYS = ("network", "compounds", "gates", "facilities", "communities", "subdistricts",
              "candidates", "attributes")
CONFIG_KEYS = {"title", "profile", "lang", "inputs", "siting", "reach", "partition"}
SITING_KEYS = {"mclp_category", "mclp_sites", "elderly_per_subdistrict", "time_limit_s"}
#: Keys of the optional ``[reach]`` table: overrides of the profile's walking parameters.
REACH_KEYS = {"speed_kmh", "walk_minutes", "snap_tolerance_m", "search_cap_m"}
#: Keys of the optional ``[partition]`` table: run the reachability step partitioned on Dask.
PARTITION_KEYS = {"by", "tile_m", "scheduler", "workers"}


@dataclass(frozen=True)
class PlanConfig:
    """A plan: where the inputs are (absolute paths), their coordinate systems and options."""

    title: str
    profile: str
    lang: str
    inputs: dict[str, Path]
    coords: dict[str, str]
    siting: dict[str, Any]
    source: str = ""
    partition: dict[str, Any] = field(default_factory=dict)
    reach: dict[str, Any] = field(default_factory=dict)


def read_plan_config(path: str | os.PathLike[str]) -> PlanConfig:
    """Read a plan TOML file; paths inside are relative to the file.

    Raises
    ------
    InputDataError
        Unknown keys, missing required inputs, files that do not exist (each named with its key).
    """
    p = Path(path)
    if not p.is_file():
        raise InputDataError(f"{p}: config file not found.")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputDataError(f"{p}: not valid TOML ({exc}).") from exc
    unknown = set(doc) - CONFIG_KEYS
    if unknown:
        raise InputDataError(f"{p}: unknown key(s) {', '.join(sorted(unknown))}; expected "
                             f"{', '.join(sorted(CONFIG_KEYS))}.")
    raw = doc.get("inputs", {})
    if not isinstance(raw, dict):
        raise InputDataError(f"{p}: [inputs] must be a table.")
    inputs: dict[str, Path] = {}
    coords: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise InputDataError(f"{p}: inputs.{key} = {value!r}; expected a quoted file name or "
                                 "coordinate system, e.g. \"roads.geojson\" or \"gcj02\".")
        if key.endswith("_coords"):
            coords[key[: -len("_coords")]] = value
            continue
        if key not in INPUT_KEYS:
            raise InputDataError(f"{p}: unknown input key inputs.{key}; expected "
                                 f"{', '.join(INPUT_KEYS)} (and <name>_coords).")
        try:
            f = (p.parent / value).resolve()
            found = f.exists()
        except (OSError, ValueError) as exc:  # a NUL byte, a name too long for the file system
            raise InputDataError(f"{p}: inputs.{key} = {value!r} is not a usable path ({exc}).") from exc
        if not found:
            raise InputDataError(f"{p}: inputs.{key} = {value!r}: file not found ({f.name}).")
        inputs[key] = f
    for key in ("network", "compounds", "facilities"):
        if key not in inputs:
            raise InputDataError(f"{p}: inputs.{key} is required.")
    siting = doc.get("siting", {})
    _check_table(p, "siting", siting, SITING_KEYS)
    _check_siting_types(p, siting)
    partition = _read_partition(p, doc.get("partition", {}))
    reach = _read_reach(p, doc.get("reach", {}))
    for key in ("title", "profile", "lang"):
        if key in doc and not isinstance(doc[key], str):
            raise InputDataError(f"{p}: {key} = {doc[key]!r}; expected a quoted text.")
    lang = str(doc.get("lang", "zh"))
    if lang not in ("zh", "en"):
        raise InputDataError(f"{p}: lang must be 'zh' or 'en'; got {lang!r}.")
    return PlanConfig(title=str(doc.get("title", p.stem)), profile=str(doc.get("profile", "taizhou-2023")),
                      lang=lang, inputs=inputs, coords=coords, siting=dict(siting), source=str(p),
                      partition=partition, reach=reach)


def _check_table(p: Path, name: str, table: Any, keys: set[str] | frozenset[str]) -> None:
    """``[name]`` of config ``p`` is a table whose keys are all in ``keys``."""
    if not isinstance(table, dict):
        raise InputDataError(f"{p}: [{name}] must be a table; got {table!r}.")
    bad = sorted(set(table) - set(keys))
    if bad:
        raise InputDataError(f"{p}: unknown key(s) {', '.join(f'{name}.{k}' for k in bad)}; "
                             f"expected {', '.join(sorted(keys))}.")


def _check_siting_types(p: Path, siting: dict[str, Any]) -> None:
    """[siting] values: whole numbers of sites, a positive time limit (s), texts for names."""
    for key, value in siting.items():
        if key in ("mclp_sites", "elderly_per_subdistrict"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= (key == "mclp_sites")
            want = "a whole number >= 1" if key == "mclp_sites" else "a whole number >= 0"
        elif key == "time_limit_s":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
            want = "a number of seconds > 0"
        else:
            ok, want = isinstance(value, str), "a quoted text"
        if not ok:
            raise InputDataError(f"{p}: siting.{key} = {value!r}; expected {want}.")


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")


def _read_reach(p: Path, table: Any) -> dict[str, Any]:
    """The ``[reach]`` table: ``speed_kmh`` (km/h), ``walk_minutes`` (a list of minutes),
    ``snap_tolerance_m`` and ``search_cap_m`` (m), each > 0; they override the profile."""
    _check_table(p, "reach", table, REACH_KEYS)
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "walk_minutes":
            ok = isinstance(value, list) and bool(value) and all(_positive_number(v) for v in value)
            want = "a list of minutes > 0, e.g. [5, 10, 15]"
            value = tuple(sorted({float(v) for v in value})) if ok else value
        else:
            ok = _positive_number(value)
            want = "a number > 0 (km/h)" if key == "speed_kmh" else "a number of metres > 0"
            value = float(value) if ok else value
        if not ok:
            raise InputDataError(f"{p}: reach.{key} = {value!r}; expected {want}.")
        out[key] = value
    return out


def plan_reach_parameters(config: PlanConfig, profile: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`gis_planner.coverage.reach` for a plan: the profile's
    (:meth:`Profile.reach_parameters`), overridden by the config's ``[reach]`` table. Another
    ``speed_kmh`` keeps the profile's facility radii in metres; ``walk_minutes`` sets the
    thresholds and the headline (the largest)."""
    r = config.reach
    params = dict(profile.reach_parameters(speed_kmh=r.get("speed_kmh")))
    if "walk_minutes" in r:
        params["walk_minutes"] = r["walk_minutes"]
        params["headline_minutes"] = max(r["walk_minutes"])
    for key in ("snap_tolerance_m", "search_cap_m"):
        if key in r:
            params[key] = r[key]
    return params


def _read_partition(p: Path, part: Any) -> dict[str, Any]:
    """The ``[partition]`` table: ``by`` (polygon file, relative to the config) or ``tile_m``
    (m, > 0), and optionally ``scheduler`` (an address) and ``workers`` (a whole number >= 1)."""
    _check_table(p, "partition", part, PARTITION_KEYS)
    out: dict[str, Any] = {}
    for key, value in part.items():
        if key in ("by", "scheduler"):
            ok, want = isinstance(value, str) and bool(value.strip()), "a quoted text"
        elif key == "tile_m":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
            want = "a number of metres > 0"
        else:
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            want = "a whole number >= 1"
        if not ok:
            raise InputDataError(f"{p}: partition.{key} = {value!r}; expected {want}.")
        out[key] = value
    if part and ("by" in out) == ("tile_m" in out):
        raise InputDataError(f"{p}: [partition] needs exactly one of by (a polygon file) and tile_m "
                             "(square tiles, m).")
    if "by" in out:
        f = (p.parent / out["by"]).resolve()
        if not f.exists():
            raise InputDataError(f"{p}: partition.by = {out['by']!r}: file not found ({f.name}).")
        out["by"] = f
    if "tile_m" in out:
        out["tile_m"] = float(out["tile_m"])
    return out


@dataclass(frozen=True)
class PlanInputs:
    """Every input layer of a plan, read and in the network's metric CRS."""

    network: Any
    compounds: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    gates: gpd.GeoDataFrame | None = None
    communities: gpd.GeoDataFrame | None = None
    subdistricts: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    attributes: pd.DataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)


def load_plan_inputs(config: PlanConfig) -> PlanInputs:
    """Read every input of ``config`` through :mod:`gis_planner.io` (one metric CRS)."""
    from gis_planner import io
    from gis_planner.policy import read_community_attributes

    f = config.inputs
    c = config.coords
    net = io.read_network(f["network"])
    homes = io.read_compounds(f["compounds"], source_coords=c.get("compounds"), metric_crs=net.crs)
    fac = io.read_facilities(f["facilities"], source_coords=c.get("facilities"), metric_crs=net.crs)
    io.check_alignment(fac, net, what=f["facilities"].name)
    gates = io.read_gates(f["gates"], compounds=homes, source_coords=c.get("gates")) if "gates" in f else None
    com = io.read_communities(f["communities"], metric_crs=net.crs) if "communities" in f else None
    subs = io.read_subdistricts(f["subdistricts"], metric_crs=net.crs) if "subdistricts" in f else None
    cand = (io.read_points(f["candidates"], source_coords=c.get("candidates"), metric_crs=net.crs,
                           id_aliases=("candidate_id", "id"), index_name="candidate_id")
            if "candidates" in f else None)
    attrs = read_community_attributes(f["attributes"]) if "attributes" in f else None
    return PlanInputs(network=net, compounds=homes, facilities=fac, gates=gates, communities=com,
                      subdistricts=subs, candidates=cand, attributes=attrs,
                      sources={k: v.name for k, v in f.items()})


@dataclass(frozen=True)
class PlanResults:
    """Everything a report shows, with the inputs and profile that produced it."""

    config: PlanConfig
    inputs: PlanInputs
    profile: Any
    reach: Any
    coverage: pd.DataFrame
    coverage_by_subdistrict: pd.DataFrame | None
    completeness: pd.DataFrame
    worst_served: pd.DataFrame
    community_check: Any
    compliance: Any
    siting_elderly: Any
    siting_mclp: Any
    service_areas: gpd.GeoDataFrame | None
    notes: dict[str, Any] = field(default_factory=dict)


def _with_subdistrict(compounds: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Add ``subdistrict_code`` to compounds from their community, where known."""
    if communities is None or "community_code" not in compounds or "subdistrict_code" in compounds:
        return compounds
    if "subdistrict_code" not in communities:
        return compounds
    out = compounds.copy()
    out["subdistrict_code"] = out["community_code"].map(communities["subdistrict_code"])
    return out


def run_plan(config: PlanConfig, inputs: PlanInputs, *, progress: bool = False,
             reach: Any = None) -> PlanResults:
    """Run every analysis the inputs allow: reachability, community sizes, compliance, siting.

    Parameters
    ----------
    reach
        A ``ReachResult`` computed elsewhere for these inputs and the config's profile (e.g.
        by :func:`partitioned_plan_reach`); None runs ``coverage.reach`` here.
    """
    from tqdm.auto import tqdm

    from gis_planner import coverage
    from gis_planner.policy import check_compliance, load_profile

    profile = load_profile(config.profile)
    steps = tqdm(total=5, desc="plan", disable=not progress)
    compounds = _with_subdistrict(inputs.compounds, inputs.communities)
    params = plan_reach_parameters(config, profile)
    result = reach if reach is not None else coverage.reach(
        inputs.network, compounds, inputs.facilities, gates=inputs.gates, **params)
    steps.update()
    cov = coverage.coverage_summary(result)
    by_sub = (coverage.coverage_summary(result, by="subdistrict_code")
              if "subdistrict_code" in result.households else None)
    comp = coverage.completeness_summary(result)
    worst = coverage.worst_served(result, n=15, lang=config.lang)
    community_check = None
    if inputs.communities is not None:
        try:
            from gis_planner.community import check_communities
        except ImportError:  # the community module is optional in a minimal install
            check_communities = None
        if check_communities is not None and profile.community_bands is not None:
            community_check = check_communities(inputs.communities, compounds,
                                                bands=profile.community_bands,
                                                network=inputs.network, gates=inputs.gates,
                                                facilities=inputs.facilities,
                                                attributes=inputs.attributes)
    steps.update()
    s = config.siting
    elderly = mclp = None
    if inputs.candidates is not None:
        elderly, mclp = _siting(inputs, compounds, result, s, params)
    steps.update()
    compliance = check_compliance(
        profile, communities=inputs.communities, attributes=inputs.attributes, reach=result,
        community_check=getattr(community_check, "table", None), facilities=inputs.facilities,
        subdistricts=inputs.subdistricts,
    )
    steps.update()
    areas = None
    cat = s.get("mclp_category", "wet_market")
    fac = result.facilities
    sel = fac.loc[fac["snapped"] & (fac["category"] == cat)]
    if len(sel):
        minutes = params.get("category_minutes", {}).get(cat, result.headline_minutes)
        _lines, areas = coverage.service_areas(inputs.network, sel, walk_minutes=minutes,
                                               speed_kmh=result.speed_kmh,
                                               snap_tolerance_m=result.snap_tolerance_m)
    steps.update()
    steps.close()
    return PlanResults(config=config, inputs=inputs, profile=profile, reach=result, coverage=cov,
                       coverage_by_subdistrict=by_sub, completeness=comp, worst_served=worst,
                       community_check=community_check, compliance=compliance,
                       siting_elderly=elderly, siting_mclp=mclp, service_areas=areas)


def partitioned_plan_reach(config: PlanConfig, inputs: PlanInputs, out_dir: str | os.PathLike[str], *,
                           partition_by: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
                           tile_m: float | None = None, scheduler: str | None = None, workers: int = 2,
                           client: Any = None, store_dir: str | os.PathLike[str] | None = None,
                           progress: bool = False) -> Any:
    """The plan's reachability step run partition by partition on Dask, as a ``ReachResult``.

    Runs :func:`gis_planner.partition.partitioned_reach` with the profile's parameters on the
    compounds ``run_plan`` uses (with ``subdistrict_code`` from their community), writes the
    partition results into ``out_dir`` and merges them
    (:func:`gis_planner.partition.reach_result`, compounds in input order), so that
    ``run_plan(config, inputs, reach=…)`` gives the single-process results.

    Parameters
    ----------
    partition_by
        Polygons (a file read with ``io.read_subdistricts``, or a GeoDataFrame indexed by id).
    tile_m
        Or square tiles of this side (m).
    scheduler, workers, client
        Where to run (see :func:`gis_planner.partition.connect`).
    store_dir
        Where the in-memory inputs are written for the workers (default ``<out_dir>.store``).

    Returns
    -------
    ReachResult
        Warnings a single run would log (categories without facilities) are logged, not raised.
    """
    import warnings

    from gis_planner._errors import GisPlannerWarning
    from gis_planner.partition import partitioned_reach, reach_result
    from gis_planner.policy import load_profile

    params = plan_reach_parameters(config, load_profile(config.profile))
    speed_kmh = params.pop("speed_kmh")
    compounds = _with_subdistrict(inputs.compounds, inputs.communities)
    polys = partition_by
    if isinstance(partition_by, (str, os.PathLike)):
        from gis_planner import io

        polys = io.read_subdistricts(partition_by, metric_crs=inputs.network.crs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GisPlannerWarning)
        partitioned_reach(inputs.network, compounds, inputs.facilities, gates=inputs.gates, out_dir=out_dir,
                          speed_kmh=speed_kmh, partition_by=polys, tile_m=tile_m, scheduler=scheduler,
                          n_workers=workers, client=client, store_dir=store_dir, overwrite=True,
                          progress=progress, **params)
    for w in caught:
        if issubclass(w.category, GisPlannerWarning):
            logger.warning("%s", w.message)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return reach_result(out_dir, facilities=inputs.facilities, network=inputs.network, order=compounds.index)


def _siting(inputs: PlanInputs, compounds: gpd.GeoDataFrame, result: Any, s: dict[str, Any],
            params: dict[str, Any]) -> tuple[Any, Any]:
    """Elderly-care centres per lacking sub-district, and an MCLP for one daily category."""
    from gis_planner._errors import InfeasibleError
    from gis_planner.siting import (
        MaxCoverageSiting,
        demand_weights,
        elderly_centres_per_subdistrict,
    )

    time_limit = float(s.get("time_limit_s", 30))
    elderly = mclp = None
    if inputs.subdistricts is not None:
        weights = demand_weights(compounds, kind="elderly")
        model = MaxCoverageSiting.from_network(
            inputs.network, compounds, inputs.candidates, walk_minutes=15.0,
            speed_kmh=params["speed_kmh"], weights=weights, facilities=inputs.facilities,
            category="subdistrict_elderly_centre", cutoff_m=None)
        try:
            elderly = elderly_centres_per_subdistrict(
                model, inputs.subdistricts, per_subdistrict=int(s.get("elderly_per_subdistrict", 1)),
                time_limit_s=time_limit)
        except (InputDataError, InfeasibleError) as exc:
            logger.warning("elderly-care siting skipped: %s", exc)
    cat = str(s.get("mclp_category", "wet_market"))
    minutes = params.get("category_minutes", {}).get(cat, result.headline_minutes)
    model = MaxCoverageSiting.from_network(
        inputs.network, compounds, inputs.candidates, walk_minutes=minutes,
        speed_kmh=params["speed_kmh"], demand_col="households", facilities=inputs.facilities,
        category=cat)
    mclp = model.solve(int(s.get("mclp_sites", 2)), time_limit_s=time_limit)
    return elderly, mclp
