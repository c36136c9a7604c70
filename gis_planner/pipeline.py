"""The whole planning job: read a plan's inputs, run reachability, the compliance check and
siting, and collect the results for reports.

``run_plan`` is pure (objects in, objects out); ``load_plan_inputs`` reads files through
:mod:`gis_planner.io`; writers live in :mod:`gis_planner.report`.
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import control_characters
from gis_planner.coverage.parameters import ReachParameters
from gis_planner.plan import PlanConfig, PlanInputs, PlanResults, SitingJob, SitingOutcome, jobs_from_table
from gis_planner.plan.config import read_option_table

logger = logging.getLogger(__name__)

INPUT_KEYS = ("network", "compounds", "gates", "facilities", "communities", "subdistricts",
              "candidates", "attributes", "categories")
#: Keys of ``[inputs]`` that are reading options, not files: ``noded`` (true: the centre-lines
#: already meet at their ends, so crossings stay crossings) and ``compounds_id_col`` (the
#: compounds' own id column).
INPUT_OPTIONS = ("noded", "compounds_id_col")
CONFIG_KEYS = {"title", "profile", "rural_profile", "lang", "inputs", "siting", "reach", "partition", "elderly",
               "centres", "grids", "out_crs"}
#: The profile that judges rural communities (村委会) unless the plan names another (or "" for none).
DEFAULT_RURAL_PROFILE = "rural-tdt1062"
SITING_KEYS = {"mclp_category", "mclp_sites", "elderly_per_subdistrict", "time_limit_s", "jobs"}
#: Keys of the optional ``[reach]`` table: overrides of the profile's walking parameters.
#: Besides, ``force = true`` accepts a speed or minutes outside the plausible range
#: (``policy/data/_limits.toml``).
REACH_KEYS = {"speed_kmh", "walk_minutes", "snap_tolerance_m", "search_cap_m"}
#: Keys of the optional ``[partition]`` table: run the reachability step partitioned on Dask.
#: A scheduler address is not one of them: a plan file never chooses where the run connects
#: (``--scheduler`` on the command line does).
PARTITION_KEYS = {"by", "tile_m", "workers"}


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
    inputs, coords, files = _read_inputs_table(p, doc.get("inputs", {}))
    for key in ("network", "compounds", "facilities"):
        if key not in inputs:
            raise InputDataError(f"{p}: inputs.{key} is required.")
    siting = doc.get("siting", {})
    _check_table(p, "siting", siting, SITING_KEYS)
    _check_siting_types(p, siting)
    partition = _read_partition(p, doc.get("partition", {}))
    reach = _read_reach(p, doc.get("reach", {}))
    _check_texts(p, doc)
    lang = str(doc.get("lang", "zh"))
    if lang not in ("zh", "en"):
        raise InputDataError(f"{p}: lang must be 'zh' or 'en'; got {lang!r}.")
    force = bool(reach.pop("force", False)) if isinstance(reach, dict) else False
    extra = _read_analysis_tables(p, doc, inputs)
    out_crs = doc.get("out_crs")
    if out_crs is not None:
        from gis_planner.io.write import check_out_crs

        if not isinstance(out_crs, (str, int)) or isinstance(out_crs, bool):
            raise InputDataError(f"{p}: out_crs = {out_crs!r}; expected \"input\", \"cgcs2000\", "
                                 "\"wgs84\" or an EPSG code such as \"EPSG:4490\".")
        out_crs = check_out_crs(str(out_crs), what=f"{p}: out_crs")
    raw_inputs = doc.get("inputs", {})
    return PlanConfig(title=str(doc.get("title", p.stem)), profile=str(doc.get("profile", "taizhou-2023")),
                      rural_profile=str(doc.get("rural_profile", DEFAULT_RURAL_PROFILE)),
                      lang=lang, inputs=inputs, coords=coords, siting=dict(siting), source=str(p),
                      partition=partition, reach=reach, jobs=jobs_from_table(str(p), siting), force=force,
                      noded=bool(raw_inputs.get("noded", False)), id_col=raw_inputs.get("compounds_id_col"),
                      facility_files=files[0], facility_coords=files[1],
                      out_crs=None if out_crs is None else str(out_crs), **extra)


def _read_inputs_table(p: Path, raw: Any) -> tuple[dict[str, Path], dict[str, str],
                                                   tuple[tuple[Path, ...], tuple[str | None, ...]]]:
    """The ``[inputs]`` table of config ``p``: input key -> absolute path (each must exist),
    input key -> coordinate system (the ``<key>_coords`` entries), and every facility file with
    its coordinate system (``facilities`` and ``facilities_coords`` may be lists)."""
    if not isinstance(raw, dict):
        raise InputDataError(f"{p}: [inputs] must be a table.")
    inputs: dict[str, Path] = {}
    coords: dict[str, str] = {}
    raw = dict(raw)
    _check_input_options(p, raw)
    files = _facility_entries(p, raw)
    for key, value in raw.items():
        if key in INPUT_OPTIONS:
            continue
        if not isinstance(value, str) or not value.strip():
            raise InputDataError(f"{p}: inputs.{key} = {value!r}; expected a quoted file name or "
                                 "coordinate system, e.g. \"roads.geojson\" or \"gcj02\".")
        if key.endswith("_coords"):
            coords[key[: -len("_coords")]] = value
            continue
        if key not in INPUT_KEYS:
            raise InputDataError(f"{p}: unknown input key inputs.{key}; expected "
                                 f"{', '.join(INPUT_KEYS)}, {', '.join(INPUT_OPTIONS)} (and <name>_coords).")
        inputs[key] = _input_file(p, f"inputs.{key}", value)
    return inputs, coords, files


def _input_file(p: Path, where: str, value: str) -> Path:
    """The existing file ``value`` names, relative to config ``p``."""
    try:
        f = (p.parent / value).resolve()
        found = f.exists()
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long for the file system
        raise InputDataError(f"{p}: {where} = {value!r} is not a usable path ({exc}).") from exc
    if not found:
        raise InputDataError(f"{p}: {where} = {value!r}: file not found (looked for {p.parent / value}).")
    return f


def _check_input_options(p: Path, raw: dict[str, Any]) -> None:
    """``noded`` is true or false; ``compounds_id_col`` a column name."""
    if "noded" in raw and not isinstance(raw["noded"], bool):
        raise InputDataError(f"{p}: inputs.noded = {raw['noded']!r}; expected true (the centre-lines "
                             "already meet at their ends) or false.")
    col = raw.get("compounds_id_col")
    if col is not None and (not isinstance(col, str) or not col.strip() or control_characters(col)):
        raise InputDataError(f"{p}: inputs.compounds_id_col = {col!r}; expected the quoted name of the "
                             "compounds' id column, e.g. \"小区编号\".")


def _facility_entries(p: Path, raw: dict[str, Any]) -> tuple[tuple[Path, ...], tuple[str | None, ...]]:
    """``inputs.facilities`` (a file or a list of files) and ``inputs.facilities_coords`` (one
    system for all, or one per file); ``raw`` keeps the first file and its system, as a
    one-file plan writes them."""
    value = raw.get("facilities")
    if not isinstance(value, list):
        return (), ()
    if not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputDataError(f"{p}: inputs.facilities = {value!r}; expected a quoted file name or a "
                             "list of them, e.g. [\"amap_poi.csv\", \"osm_facilities.geojson\"].")
    files = tuple(_input_file(p, f"inputs.facilities[{i}]", v) for i, v in enumerate(value))
    dup = sorted({f.name for f in files if files.count(f) > 1})
    if dup:
        raise InputDataError(f"{p}: inputs.facilities lists {dup[0]} twice.")
    given = raw.get("facilities_coords")
    if isinstance(given, list):
        if len(given) != len(files) or not all(isinstance(v, str) and v.strip() for v in given):
            raise InputDataError(f"{p}: inputs.facilities_coords = {given!r}; expected one coordinate "
                                 f"system for all facility files or a list of {len(files)}, one per file.")
        systems: tuple[str | None, ...] = tuple(given)
        raw["facilities_coords"] = given[0]
    else:
        systems = (given if isinstance(given, str) else None,) * len(files)
    raw["facilities"] = value[0]
    return files, systems


def _check_texts(p: Path, doc: dict[str, Any]) -> None:
    """``title``, ``profile``, ``rural_profile`` and ``lang`` are texts without control or
    invisible characters."""
    for key in ("title", "profile", "rural_profile", "lang"):
        if key in doc and not isinstance(doc[key], str):
            raise InputDataError(f"{p}: {key} = {doc[key]!r}; expected a quoted text.")
        if key in doc and (bad := control_characters(doc[key])):
            raise InputDataError(f"{p}: {key} holds control or invisible characters "
                                 f"({', '.join(bad)}); remove them.")


def _read_analysis_tables(p: Path, doc: dict[str, Any], inputs: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """The checked ``[elderly]``, ``[centres]`` and ``[grids]`` tables of config ``p`` (see
    :func:`gis_planner.plan.config.read_option_table`); ``[grids]`` needs the communities."""
    extra = {name: read_option_table(str(p), p.parent, name, doc.get(name, {}))
             for name in ("elderly", "centres", "grids")}
    if extra["grids"] and "communities" not in inputs:
        raise InputDataError(f"{p}: [grids] needs inputs.communities (the community polygons to divide).")
    return extra


def _check_table(p: Path, name: str, table: Any, keys: set[str] | frozenset[str]) -> None:
    """``[name]`` of config ``p`` is a table whose keys are all in ``keys``."""
    if not isinstance(table, dict):
        raise InputDataError(f"{p}: [{name}] must be a table; got {table!r}.")
    bad = sorted(set(table) - set(keys))
    if bad:
        raise InputDataError(f"{p}: unknown key(s) {', '.join(f'{name}.{k}' for k in bad)}; "
                             f"expected {', '.join(sorted(keys))}.")


def _check_siting_types(p: Path, siting: dict[str, Any]) -> None:
    """[siting] values: whole numbers of sites, a finite positive time limit (s), a known
    facility category id for ``mclp_category``."""
    from gis_planner._validate import require_known_category

    for key, value in siting.items():
        if key == "jobs":
            continue  # checked job by job in gis_planner.plan.jobs_from_table
        if key in ("mclp_sites", "elderly_per_subdistrict"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= (key == "mclp_sites")
            want = "a whole number >= 1" if key == "mclp_sites" else "a whole number >= 0"
        elif key == "time_limit_s":
            ok, want = _positive_number(value), "a number of seconds > 0"
        else:
            ok, want = isinstance(value, str), "a quoted text"
        if not ok:
            raise InputDataError(f"{p}: siting.{key} = {value!r}; expected {want}.")
        if key == "mclp_category":
            require_known_category(value, what=f"{p}: siting.mclp_category")


def _positive_number(value: Any) -> bool:
    """A finite number > 0 (TOML has ``nan`` and ``inf``; booleans are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")


def _read_reach(p: Path, table: Any) -> dict[str, Any]:
    """The ``[reach]`` table: ``speed_kmh`` (km/h), ``walk_minutes`` (a list of minutes),
    ``snap_tolerance_m`` and ``search_cap_m`` (m), each finite and > 0; they override the
    profile. A speed outside 0.5-20 km/h or minutes over 240 (``policy/data/_limits.toml``)
    are refused unless ``force = true``."""
    from gis_planner._validate import require_plausible

    table = dict(table) if isinstance(table, dict) else table
    force = table.pop("force", False) if isinstance(table, dict) else False
    _check_table(p, "reach", table, REACH_KEYS)
    if not isinstance(force, bool):
        raise InputDataError(f"{p}: reach.force = {force!r}; expected true or false.")
    hint = "force = true in [reach]"
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
        if key == "speed_kmh":
            require_plausible(value, quantity="speed_kmh", what=f"{p}: reach.speed_kmh",
                              force=force, force_hint=hint)
        elif key == "walk_minutes":
            require_plausible(max(value), quantity="minutes", what=f"{p}: reach.walk_minutes",
                              force=force, force_hint=hint)
        out[key] = value
    if force:
        out["force"] = True
    return out


def plan_reach_parameters(config: PlanConfig, profile: Any = None, **command_line: Any) -> ReachParameters:
    """The walking assumptions of a plan: the profile's, overridden by the config's ``[reach]``
    table, then by command-line values (``speed_kmh``, ``walk_minutes``, ``snap_tolerance_m``,
    ``search_cap_m``); see :func:`gis_planner.coverage.resolve_reach_parameters`. Elderly-care
    categories take the limits of the plan's ``[elderly] standard`` file where it gives one."""
    from gis_planner.coverage.parameters import resolve_reach_parameters

    if "categories" in config.inputs:
        from gis_planner.io import declare_categories

        declare_categories(config.inputs["categories"])
    elderly_standard = None
    if config.elderly.get("standard"):  # the plan's own elderly-care limits serve every table
        from gis_planner.policy.elderly import load_elderly_standard

        elderly_standard = load_elderly_standard(config.elderly["standard"])
    params = resolve_reach_parameters(profile if profile is not None else config.profile, config=config.reach,
                                      force=config.force, elderly_standard=elderly_standard, **command_line)
    return with_declared_categories(params)


def with_declared_categories(params: ReachParameters) -> ReachParameters:
    """``params`` plus the walking limits of the planner's declared categories
    (:func:`gis_planner.categories.declare_categories` with ``radius_m`` or ``walk_minutes``)
    that the profile does not set; the profile's own limits are kept."""
    import dataclasses
    from types import MappingProxyType

    from gis_planner.categories import declared_minutes

    extra = {k: v for k, v in declared_minutes(speed_kmh=params.speed_kmh).items()
             if k not in params.category_minutes}
    if not extra:
        return params
    sources = {**params.sources, **{f"category_minutes.{k}": "declared categories" for k in extra}}
    return dataclasses.replace(params, category_minutes=MappingProxyType({**params.category_minutes, **extra}),
                               sources=MappingProxyType(sources))


def read_facility_files(paths: str | os.PathLike[str] | list[Path] | tuple[Path, ...], *,
                        source_coords: str | list[str | None] | tuple[str | None, ...] | None = None,
                        metric_crs: object = None, id_col: str | None = None, study_area: object = None,
                        margin_m: float | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read one or more facility files, each categorised on its own, into one layer and one
    audit table.

    Parameters
    ----------
    paths
        A facility file, or several (an Amap export, an OSM extract, a department's list …).
    source_coords
        The coordinate system of lon/lat CSVs: one for every file, or one per file.
    metric_crs
        Projected CRS of the result (default: the first file's, chosen as
        :func:`gis_planner.io.read_facilities` does).
    id_col, study_area, margin_m
        As :func:`gis_planner.io.read_facilities_with_audit`, for every file.

    Returns
    -------
    (facilities, audit)
        As :func:`gis_planner.io.read_facilities_with_audit`, the files one after the other.
        With several files both gain ``source_file`` (the file's name); ids are kept when they
        are unique across the files, else every id becomes ``<file stem>:<id>`` (``merged_into``
        too). Copies of one place in two files are not merged. A file none of whose rows is
        a facility (e.g. an export of bus stops) only warns, when another file has facilities.

    Raises
    ------
    InputDataError
        A file given twice, a number of coordinate systems that is neither one nor one per
        file, ids clashing between files whose names (stems) are the same, no facility left in
        any file, plus every error of :func:`gis_planner.io.read_facilities_with_audit`.
    """
    from gis_planner import io

    files = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(f) for f in paths]
    if not files:
        raise InputDataError("no facility file given; expected at least one.")
    systems = (list(source_coords) if isinstance(source_coords, (list, tuple))
               else [source_coords] * len(files))
    if len(systems) == 1 and len(files) > 1:
        systems = systems * len(files)
    if len(systems) != len(files):
        raise InputDataError(f"{len(systems)} facility coordinate systems for {len(files)} facility files; "
                             "give one for all files or one per file, in the same order.")
    resolved = [f.resolve() for f in files]
    twice = sorted({str(f) for f, r in zip(files, resolved, strict=True) if resolved.count(r) > 1})
    if twice:
        raise InputDataError(f"{twice[0]}: facility file given twice.")
    parts: list[tuple[gpd.GeoDataFrame, pd.DataFrame]] = []
    for f, system in zip(files, systems, strict=True):
        fac, audit = io.read_facilities_with_audit(f, source_coords=system, metric_crs=metric_crs, id_col=id_col,
                                                   study_area=study_area, margin_m=margin_m,
                                                   empty_ok=len(files) > 1)
        metric_crs = fac.crs
        parts.append((fac, audit))
    if len(parts) == 1:
        return parts[0]
    if not any(len(fac) for fac, _ in parts):
        raise InputDataError(f"facility files {', '.join(f.name for f in files)}: no facility is left in any "
                             "of them; check the type values and the study area (the reasons per row are "
                             "in the facility audit).")
    return _concat_facilities(files, parts)


def _concat_facilities(files: list[Path], parts: list[tuple[gpd.GeoDataFrame, pd.DataFrame]]
                       ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The facilities and audits of several files as one (see :func:`read_facility_files`)."""
    from collections import Counter

    ids = Counter(i for _, audit in parts for i in audit.index.unique())
    clash = sorted(i for i, n in ids.items() if n > 1)
    if clash:
        stems = [f.stem for f in files]
        same = sorted({s for s in stems if stems.count(s) > 1})
        if same:
            raise InputDataError(f"facility files: ids {', '.join(map(repr, clash[:3]))} occur in more than one "
                                 f"file and the files share the name {same[0]!r}; rename one file or give "
                                 "the rows unique ids.")
        logger.info("facility files: %d ids occur in more than one file (e.g. %s); every id is prefixed "
                    "with its file's name", len(clash), clash[0])
    facs, audits = [], []
    for f, (fac, audit) in zip(files, parts, strict=True):
        fac, audit = fac.copy(), audit.copy()
        if clash:
            fac.index = (f.stem + ":" + fac.index.astype(str)).rename(fac.index.name)
            audit.index = (f.stem + ":" + audit.index.astype(str)).rename(audit.index.name)
            if "merged_into" in audit:
                audit["merged_into"] = [f"{f.stem}:{v}" if v else v for v in audit["merged_into"]]
        fac["source_file"] = f.name
        audit["source_file"] = f.name
        facs.append(fac)
        audits.append(audit)
    out = gpd.GeoDataFrame(pd.concat(facs), geometry=facs[0].geometry.name, crs=facs[0].crs)
    out = out[[c for c in out.columns if c != out.geometry.name] + [out.geometry.name]]
    out.attrs = _merged_attrs([fac.attrs for fac in facs])
    out.attrs["sources"] = [f.name for f in files]
    return out, pd.concat(audits)


def _merged_attrs(all_attrs: list[dict[str, Any]]) -> dict[str, Any]:
    """The reader's ``attrs`` of several facility files as one: counts summed, examples joined,
    the input system kept where every file shares it."""
    from collections import Counter

    out: dict[str, Any] = {}
    for key in ("source_coords", "input_crs"):
        values = {str(a.get(key)) for a in all_attrs}
        if len(values) == 1 and all_attrs[0].get(key) is not None:
            out[key] = all_attrs[0][key]
    for key in ("unmapped", "excluded"):
        out[key] = sum(int(a.get(key, 0)) for a in all_attrs)
    for key in ("excluded_by", "dropped"):
        total: Counter[str] = Counter()
        for a in all_attrs:
            total.update(a.get(key, {}))
        out[key] = dict(total.most_common())
    out["unmapped_examples"] = [e for a in all_attrs for e in a.get("unmapped_examples", [])][:5]
    return out


def _read_partition(p: Path, part: Any) -> dict[str, Any]:
    """The ``[partition]`` table: ``by`` (polygon file, relative to the config) or ``tile_m``
    (m, > 0), and optionally ``workers`` (a whole number >= 1; more than the CPUs are reduced
    to their number when the cluster starts). ``scheduler`` is refused: a plan file cannot
    make the run open a connection."""
    if isinstance(part, dict) and "scheduler" in part:
        raise InputDataError(f"{p}: partition.scheduler is not read from a plan file (it would open a "
                             "network connection); give the address on the command line: --scheduler.")
    _check_table(p, "partition", part, PARTITION_KEYS)
    out: dict[str, Any] = {}
    for key, value in part.items():
        if key == "by":
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


# --------------------------------------------------------------------------------------------
# The stages: read inputs -> parameters -> reach -> communities -> siting jobs -> compliance ->
# service areas. Every command runs the stages it needs through these functions.
# --------------------------------------------------------------------------------------------

#: p-median and p-center need every home to reach some candidate: their search runs this many
#: times the category's walking limit (MCLP and LSCP need only the limit itself).
WIDE_SEARCH_FACTOR = 4.0


def load_plan_inputs(config: PlanConfig, parameters: ReachParameters | None = None) -> PlanInputs:
    """Stage 1: read every input of ``config`` through :mod:`gis_planner.io` (one metric CRS).

    Facilities are read with their audit table (category, or why each row was dropped), and
    clipped to the network's extent plus the longest walk searched (``parameters``' search cap,
    default 1.5 x the largest limit).
    """
    from gis_planner import io
    from gis_planner.policy import read_community_attributes

    params = parameters if parameters is not None else plan_reach_parameters(config)
    f = config.inputs
    c = config.coords
    net = io.read_network(f["network"], noded=config.noded or None)
    homes = io.read_compounds(f["compounds"], source_coords=c.get("compounds"), metric_crs=net.crs,
                              id_col=config.id_col)
    files = config.facility_files or (f["facilities"],)
    fac, audit = read_facility_files(files, source_coords=list(config.facility_coords) or c.get("facilities"),
                                     metric_crs=net.crs, study_area=net, margin_m=search_cap_m(params))
    io.check_alignment(fac, net, what=", ".join(p.name for p in files))
    gates = io.read_gates(f["gates"], compounds=homes, source_coords=c.get("gates")) if "gates" in f else None
    com = io.read_communities(f["communities"], metric_crs=net.crs) if "communities" in f else None
    subs = io.read_subdistricts(f["subdistricts"], metric_crs=net.crs) if "subdistricts" in f else None
    cand = (io.read_points(f["candidates"], source_coords=c.get("candidates"), metric_crs=net.crs,
                           id_aliases=("candidate_id", "id"), index_name="candidate_id")
            if "candidates" in f else None)
    attrs = read_community_attributes(f["attributes"]) if "attributes" in f else None
    sources = {k: v.name for k, v in f.items()}
    sources["facilities"] = ", ".join(p.name for p in files)
    extra = _read_analysis_inputs(config, net.crs, homes, compounds_path=f["compounds"],
                                  compounds_coords=c.get("compounds"), sources=sources, id_col=config.id_col)
    if "special_groups" in extra:
        homes = homes.join(extra.pop("special_groups"))
    return PlanInputs(network=net, compounds=homes, facilities=fac, gates=gates, communities=com,
                      subdistricts=subs, candidates=cand, attributes=attrs, facility_audit=audit,
                      sources=sources, **extra)


def _read_analysis_inputs(config: PlanConfig, crs: Any, homes: gpd.GeoDataFrame, *, compounds_path: Path,
                          compounds_coords: str | None, sources: dict[str, str],
                          id_col: str | None = None) -> dict[str, Any]:
    """The extra layers of ``[centres]`` (the idle-space inventory) and ``[grids]`` (buildings,
    an existing grid layer, department grids, and the compounds' special-group columns), read
    through :mod:`gis_planner.io` and :mod:`gis_planner.grids.inputs`; ``sources`` gains their
    file names."""
    from gis_planner import io

    out: dict[str, Any] = {}
    ce, gr = config.centres, config.grids
    if ce:
        out["spaces"] = io.read_spaces(ce["spaces"], source_coords=ce.get("spaces_coords"), metric_crs=crs)
        sources["spaces"] = ce["spaces"].name
    if gr:
        import warnings

        from gis_planner._errors import GisPlannerWarning
        from gis_planner.grids.groups import group_columns
        from gis_planner.grids.inputs import read_buildings, read_grid_layer
        from gis_planner.io.households import COMPOUND_ID_ALIASES
        from gis_planner.io.points import read_layer

        with warnings.catch_warnings():  # the same file, read once more: its warnings were given
            warnings.simplefilter("ignore", GisPlannerWarning)
            raw = read_layer(compounds_path, source_coords=compounds_coords, metric_crs=crs, id_col=id_col,
                             id_aliases=COMPOUND_ID_ALIASES, id_prefix="C", index_name="compound_id",
                             allowed_types=("Point", "Polygon", "MultiPolygon"))
        found = [c for c in group_columns(raw, what=compounds_path.name).values() if c not in homes.columns]
        if found:
            out["special_groups"] = raw[found]
        if "buildings" in gr:
            out["buildings"] = read_buildings(gr["buildings"], metric_crs=crs,
                                              source_coords=gr.get("buildings_coords"))
            sources["buildings"] = gr["buildings"].name
        if "existing" in gr:
            out["existing_grids"] = read_grid_layer(gr["existing"], metric_crs=crs,
                                                    source_coords=gr.get("existing_coords"))
            sources["existing_grids"] = gr["existing"].name
        if "departments" in gr:
            out["department_grids"] = read_grid_layer(gr["departments"], metric_crs=crs,
                                                      source_coords=gr.get("departments_coords"),
                                                      code_col=gr.get("department_code"))
            sources["department_grids"] = gr["departments"].name
    return out


def search_cap_m(params: ReachParameters) -> float:
    """The longest walk searched (m): the parameters' cap, else 1.5 x the largest limit."""
    return params.search_cap()


def walk_distance(params: ReachParameters, minutes: float) -> float:
    """``minutes`` of walking at the parameters' speed, in metres."""
    from gis_planner._units import walk_distance_m

    return walk_distance_m(minutes, params.speed_kmh)


def with_subdistrict(compounds: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Add ``subdistrict_code`` to compounds from their community, where known."""
    if communities is None or "community_code" not in compounds or "subdistrict_code" in compounds:
        return compounds
    if "subdistrict_code" not in communities:
        return compounds
    out = compounds.copy()
    out["subdistrict_code"] = out["community_code"].map(communities["subdistrict_code"])
    return out


def reach_stage(network: Any, compounds: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                params: ReachParameters, *, gates: gpd.GeoDataFrame | None = None,
                progress: bool = False) -> Any:
    """Stage 3: reachability of every compound and category (:func:`gis_planner.coverage.reach`)."""
    from gis_planner import coverage

    return coverage.reach(network, compounds, facilities, gates=gates, progress=progress, **params.reach_kwargs())


def service_areas_stage(network: Any, reach: Any, params: ReachParameters, *,
                        categories: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    """Service-area polygons of the snapped facilities of ``categories`` (default all) at each
    category's own limit, in one frame with ``category``."""
    from gis_planner import coverage

    fac = reach.facilities
    parts = []
    for c in categories if categories is not None else tuple(reach.categories):
        sel = fac.loc[fac["snapped"].astype(bool) & (fac["category"] == c)]
        if len(sel):
            _lines, polys = coverage.service_areas(network, sel, walk_minutes=params.minutes_for(c),
                                                   speed_kmh=params.speed_kmh,
                                                   snap_tolerance_m=params.snap_tolerance_m)
            polys = polys.copy()
            polys["category"] = c
            parts.append(polys)
    if not parts:
        return gpd.GeoDataFrame({"category": [], "area_m2": []}, geometry=[], crs=network.crs)
    return gpd.GeoDataFrame(pd.concat(parts), crs=network.crs)


def communities_stage(inputs: PlanInputs, compounds: gpd.GeoDataFrame, profile: Any) -> Any:
    """Stage 4: household counts, bands and proposals per community (None without communities
    or without bands in the profile)."""
    from gis_planner.community import check_communities

    if inputs.communities is None or profile.community_bands is None:
        return None
    return check_communities(inputs.communities, compounds, bands=profile.community_bands,
                             network=inputs.network, gates=inputs.gates, facilities=inputs.facilities,
                             attributes=inputs.attributes)


def siting_job(job: SitingJob, *, network: Any, compounds: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame,
               params: ReachParameters, facilities: gpd.GeoDataFrame | None = None,
               gates: gpd.GeoDataFrame | None = None, subdistricts: gpd.GeoDataFrame | None = None,
               minutes: float | None = None, elderly_share: float | None = None) -> Any:
    """Stage 5, one job: the siting model of ``job`` over the network, through the compounds'
    best gates (the reachability baseline), at the category's own walking limit (``minutes``
    overrides it). Returns a :class:`gis_planner.siting.SitingResult`.

    Raises
    ------
    InputDataError, InfeasibleError
        Bad inputs; a per-sub-district job without sub-districts; no feasible choice.
    """
    from gis_planner.siting import demand_weights
    from gis_planner.siting.models import MODELS, MaxCoverageSiting, elderly_centres_per_subdistrict

    limit_min = params.minutes_for(job.category) if minutes is None else float(minutes)
    kw = {} if elderly_share is None else {"elderly_share": elderly_share}
    weights = demand_weights(compounds, kind=job.demand, **kw)  # type: ignore[arg-type]
    wide = job.model in ("p-median", "p-center")
    cutoff = WIDE_SEARCH_FACTOR * walk_distance(params, limit_min) if wide else None
    cls = MaxCoverageSiting if job.model == "per-subdistrict" else MODELS[job.model]
    model = cls.from_network(network, compounds, candidates, walk_minutes=limit_min, speed_kmh=params.speed_kmh,
                             weights=weights, facilities=facilities, category=job.category, cutoff_m=cutoff,
                             snap_tolerance_m=params.snap_tolerance_m, gates=gates)
    if job.model == "per-subdistrict":
        if subdistricts is None:
            raise InputDataError(f"siting job {job.key}: per-subdistrict needs the sub-district polygons.")
        return elderly_centres_per_subdistrict(model, subdistricts, category=job.category,
                                               per_subdistrict=max(job.per_subdistrict, 1),
                                               time_limit_s=job.time_limit_s)
    return model.solve(job.sites, time_limit_s=job.time_limit_s)


def siting_stage(inputs: PlanInputs, compounds: gpd.GeoDataFrame, params: ReachParameters,
                 jobs: tuple[SitingJob, ...], *, planned: gpd.GeoDataFrame | None = None
                 ) -> tuple[SitingOutcome, ...]:
    """Stage 5: every siting job of the plan (none without candidate sites). A job that cannot
    run (no sub-districts, no feasible choice) is kept with the reason, and the others go on.

    ``planned``: facility points the elderly-care stage proposes (``category``), in the
    facilities' CRS. A per-sub-district job of one of their categories counts them as built, so
    that a 街道 gets one proposed centre, not one from each stage (the outcome's ``planned``)."""
    from gis_planner._errors import InfeasibleError, NothingToSiteError

    if inputs.candidates is None:
        return ()
    out: list[SitingOutcome] = []
    for job in jobs:
        facilities = inputs.facilities
        counted: tuple[str, ...] = ()
        if planned is not None and job.model == "per-subdistrict":
            mine = planned[planned["category"] == job.category]
            if len(mine):
                facilities = pd.concat([inputs.facilities, mine]) if inputs.facilities is not None else mine
                counted = tuple(map(str, mine.index))
        try:
            res = siting_job(job, network=inputs.network, compounds=compounds, candidates=inputs.candidates,
                             params=params, facilities=facilities, gates=inputs.gates,
                             subdistricts=inputs.subdistricts)
        except (InputDataError, InfeasibleError) as exc:
            served = isinstance(exc, NothingToSiteError)
            if not (counted and served):
                logger.warning("siting job %s skipped: %s", job.key, exc)
            out.append(SitingOutcome(job=job, result=None, note=str(exc), planned=counted, served=served))
            continue
        out.append(SitingOutcome(job=job, result=res, planned=counted))
    return tuple(out)


def classified_inputs(inputs: PlanInputs, community_check: Any) -> PlanInputs:
    """``inputs`` with each community's urban/rural class as the size check read it where the
    communities layer leaves it blank (a name ending in 村 is rural, in 社区 urban: see
    :func:`gis_planner.community.classify_communities`), and ``urban_rural_rule`` saying which
    rule decided; so compliance, elderly care, centres and grids judge a community as the size
    check does."""
    import dataclasses

    com = inputs.communities
    if com is None or community_check is None or "urban_rural" not in community_check.communities:
        return inputs
    read = community_check.communities
    filled = com.copy()
    given = filled["urban_rural"] if "urban_rural" in filled else pd.Series(None, index=filled.index, dtype=object)
    blank = given.isna() | given.astype(str).str.strip().isin(["", "nan", "None"])
    codes = pd.Series(filled.index.astype(str), index=filled.index)
    filled["urban_rural"] = given.where(~blank, codes.map(read["urban_rural"].rename(index=str)))
    if "urban_rural_rule" in read:
        filled["urban_rural_rule"] = codes.map(read["urban_rural_rule"].rename(index=str))
    return dataclasses.replace(inputs, communities=filled)


def planned_elderly_sites(elderly: Any) -> gpd.GeoDataFrame | None:
    """The elderly-care stage's proposed sites as facility points of their level's first
    category, for :func:`siting_stage` (None when it proposed none)."""
    if elderly is None or elderly.sites is None or not len(elderly.sites):
        return None
    cats = {lv.id: lv.categories[0] for lv in elderly.standard.levels}
    sites = elderly.sites
    return gpd.GeoDataFrame({"category": sites["level"].map(cats).to_numpy()}, index=sites.index,
                            geometry=sites.geometry.to_numpy(), crs=sites.crs)


def compliance_stage(inputs: PlanInputs, profile: Any, reach: Any, community_check: Any, *,
                     rural_profile: str | None = None) -> Any:
    """Stage 6: every indicator of the profile, per community, sub-district and city; rural
    communities (村委会) are also judged by ``rural_profile`` (TD/T 1062-2021's rural circles)."""
    from gis_planner.policy import check_compliance

    return check_compliance(profile, communities=inputs.communities, attributes=inputs.attributes, reach=reach,
                            community_check=community_check.table if community_check is not None else None,
                            facilities=inputs.facilities, subdistricts=inputs.subdistricts,
                            rural_profile=rural_profile or None)


def elderly_stage(inputs: PlanInputs, compounds: gpd.GeoDataFrame, options: dict[str, Any],
                  params: ReachParameters, *, plan_place: str = "") -> Any:
    """Stage 7 (``[elderly]``): the elderly-care network with capacities, scores, shortfalls,
    structure checks, floor-area gaps and, with candidate sites, sized new places
    (:func:`gis_planner.elderly.assess_elderly_care`; walking at the standard's elderly speed).
    ``plan_place``: where the plan applies (the profile's ``place``), so that a rule of another
    city is said to be one."""
    from gis_planner.elderly import assess_elderly_care
    from gis_planner.policy.elderly import load_elderly_standard

    std = load_elderly_standard(options.get("standard"), plan_place=plan_place)
    return assess_elderly_care(inputs.network, compounds, inputs.facilities, standard=std, gates=inputs.gates,
                               communities=inputs.communities, subdistricts=inputs.subdistricts,
                               candidates=inputs.candidates, siting_level=options.get("level"),
                               objective=options.get("objective", "min_cost"), budget=options.get("budget"),
                               max_sites=options.get("sites"), health_rule=options.get("health_rule", "check"),
                               decay=options.get("decay", "step"), snap_tolerance_m=params.snap_tolerance_m,
                               time_limit_s=options.get("time_limit_s", 30.0))


def centres_stage(inputs: PlanInputs, compounds: gpd.GeoDataFrame, options: dict[str, Any],
                  params: ReachParameters, *, lang: str = "zh", elderly_standard: Any = None,
                  plan_place: str = "") -> Any:
    """Stage 8 (``[centres]``): which idle spaces hold which bundle of neighbourhood-centre
    functions (:func:`gis_planner.centres.plan_centres`), with each community's service floor
    area today from the attribute table where it gives one (as the compliance check reads it)
    and the reasons in ``lang``. ``elderly_standard``: the run's elderly-care standard, whose
    census shares size the elderly functions here too (None: the shipped one)."""
    from gis_planner.centres import plan_centres
    from gis_planner.policy.centres import load_centre_standard

    if inputs.spaces is None:
        raise InputDataError("[centres]: the idle-space inventory was not read (centres.spaces).")
    std = load_centre_standard(options.get("standard"), elderly=elderly_standard, plan_place=plan_place)
    attrs = inputs.attributes
    area = attrs["service_area_m2"] if attrs is not None and "service_area_m2" in attrs.columns else None
    return plan_centres(inputs.network, compounds, inputs.spaces, inputs.facilities, standard=std,
                        communities=inputs.communities, gates=inputs.gates, max_sites=options.get("sites"),
                        budget=options.get("budget"), snap_tolerance_m=params.snap_tolerance_m,
                        time_limit_s=options.get("time_limit_s", 30.0), existing_area_m2=area, lang=lang)


def grids_stage(inputs: PlanInputs, compounds: gpd.GeoDataFrame, options: dict[str, Any],
                params: ReachParameters) -> tuple[Any, Any, Any]:
    """Stage 9 (``[grids]``): 网格 and 微网格 per community, the audit of the existing grid layer
    (else of the grids drawn here) and the crosswalk of department grids.

    Returns
    -------
    tuple
        ``(GridResult, AuditResult, CrosswalkResult or None)``.
    """
    from gis_planner.grids import audit_grids, crosswalk_grids, load_grid_defaults, partition_grids

    if inputs.communities is None:
        raise InputDataError("[grids] needs inputs.communities (the community polygons to divide).")
    settings = load_grid_defaults(options.get("defaults")).with_overrides(
        **{k: options.get(k) for k in ("grid_min", "grid_max", "micro_min", "micro_max", "workers_per_grid",
                                         "time_limit_s")})
    result = partition_grids(inputs.communities, compounds, inputs.buildings, network=inputs.network,
                             settings=settings, micro=bool(options.get("micro", True)),
                             snap_tolerance_m=params.snap_tolerance_m)
    if inputs.existing_grids is not None:
        units = inputs.buildings if inputs.buildings is not None else compounds
        audit = audit_grids(inputs.existing_grids, inputs.communities, min_households=settings.grid_min,
                            max_households=settings.grid_max, units=units, worker_col=options.get("worker_col"))
    else:
        audit = audit_grids(result.grids, inputs.communities, min_households=settings.grid_min,
                            max_households=settings.grid_max)
    walk = (crosswalk_grids(inputs.department_grids, result.grids)
            if inputs.department_grids is not None else None)
    return result, audit, walk


def run_plan(config: PlanConfig, inputs: PlanInputs, *, progress: bool = False, reach: Any = None,
             parameters: ReachParameters | None = None) -> PlanResults:
    """Run every analysis the inputs allow: reachability, community sizes, siting jobs,
    compliance and the service areas of the siting categories; and the elderly-care network,
    neighbourhood centres and governance grids when the config asks (``[elderly]``,
    ``[centres]``, ``[grids]``).

    Parameters
    ----------
    reach
        A ``ReachResult`` computed elsewhere for these inputs and parameters (e.g. by
        :func:`partitioned_plan_reach`); None runs the reach stage here.
    parameters
        The walking assumptions (default: :func:`plan_reach_parameters` of the config).
    """
    from tqdm.auto import tqdm

    from gis_planner import coverage
    from gis_planner.policy import load_profile

    profile = load_profile(config.profile)
    params = parameters if parameters is not None else plan_reach_parameters(config, profile)
    steps = tqdm(total=8, desc="plan", disable=not progress)
    compounds = with_subdistrict(inputs.compounds, inputs.communities)
    result = reach if reach is not None else reach_stage(inputs.network, compounds, inputs.facilities, params,
                                                         gates=inputs.gates)
    steps.update()
    cov = coverage.coverage_summary(result)
    by_sub = (coverage.coverage_summary(result, by="subdistrict_code")
              if "subdistrict_code" in result.households else None)
    comp = coverage.completeness_summary(result)
    worst = coverage.worst_served(result, n=15, lang=config.lang)
    community_check = communities_stage(inputs, compounds, profile)
    inputs = classified_inputs(inputs, community_check)  # one urban/rural reading for every stage
    steps.update()
    # the elderly-care network first: its proposed 街道 centres count as built for the siting
    # job of the same rule, so that one 街道 does not get two proposals
    place = profile.place  # where the plan applies: rules of other places are said to be so
    elderly = (elderly_stage(inputs, compounds, config.elderly, params, plan_place=place)
               if config.elderly else None)
    siting = siting_stage(inputs, compounds, params, config.jobs, planned=planned_elderly_sites(elderly))
    steps.update()
    compliance = compliance_stage(inputs, profile, result, community_check, rural_profile=config.rural_profile)
    steps.update()
    cats = tuple(dict.fromkeys(j.category for j in config.jobs if j.model != "per-subdistrict"))
    areas = service_areas_stage(inputs.network, result, params, categories=cats) if cats else None
    steps.update()
    steps.update()
    centres = (centres_stage(inputs, compounds, config.centres, params, lang=config.lang, plan_place=place,
                             elderly_standard=elderly.standard if elderly is not None else None)
               if config.centres else None)
    steps.update()
    grids = grids_stage(inputs, compounds, config.grids, params) if config.grids else (None, None, None)
    steps.update()
    steps.close()
    notes = {"parameters": params.describe(config.lang)}
    return PlanResults(config=config, inputs=inputs, profile=profile, parameters=params, reach=result, coverage=cov,
                       coverage_by_subdistrict=by_sub, completeness=comp, worst_served=worst,
                       community_check=community_check, compliance=compliance, siting=siting,
                       service_areas=areas, notes=notes, elderly=elderly, centres=centres, grids=grids[0],
                       grid_audit=grids[1], grid_crosswalk=grids[2])


def partitioned_plan_reach(config: PlanConfig, inputs: PlanInputs, out_dir: str | os.PathLike[str], *,
                           partition_by: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
                           tile_m: float | None = None, scheduler: str | None = None, workers: int = 2,
                           client: Any = None, store_dir: str | os.PathLike[str] | None = None,
                           progress: bool = False, parameters: ReachParameters | None = None) -> Any:
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
    params = (parameters if parameters is not None else plan_reach_parameters(config)).reach_kwargs()
    speed_kmh = params.pop("speed_kmh")
    compounds = with_subdistrict(inputs.compounds, inputs.communities)
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
