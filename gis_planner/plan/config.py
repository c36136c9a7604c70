"""A plan's configuration and its siting jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from gis_planner._errors import InputDataError

SiteModel = Literal["mclp", "lscp", "p-median", "p-center", "per-subdistrict"]
#: Siting models a job may name.
SITING_MODELS: tuple[str, ...] = ("mclp", "lscp", "p-median", "p-center", "per-subdistrict")
#: Demand a job weighs.
DEMANDS: tuple[str, ...] = ("households", "population", "elderly")
#: Keys of one ``[[siting.jobs]]`` table.
JOB_KEYS = frozenset({"model", "category", "sites", "demand", "per_subdistrict", "time_limit_s", "name"})


@dataclass(frozen=True)
class SitingJob:
    """One siting question of a plan: where to put ``sites`` new facilities of ``category``.

    ``model``: ``mclp`` (most demand within the category's walking limit), ``lscp`` (fewest sites
    covering all), ``p-median`` (least total walk), ``p-center`` (shortest longest walk) or
    ``per-subdistrict`` (at least ``per_subdistrict`` sites in every sub-district lacking one,
    e.g. the elderly-care centre per 街道). ``demand``: households, population or elderly
    residents. ``time_limit_s``: HiGHS's limit, seconds.
    """

    model: str
    category: str
    sites: int | None = None
    demand: str = "households"
    per_subdistrict: int = 1
    time_limit_s: float = 30.0
    name: str = ""

    @property
    def key(self) -> str:
        """A stable name for outputs (``mclp_wet_market``)."""
        return self.name or f"{self.model.replace('-', '_')}_{self.category}"


def _job(where: str, raw: Mapping[str, Any], default_time_s: float) -> SitingJob:
    from gis_planner._validate import require_known_category

    if not isinstance(raw, Mapping):
        raise InputDataError(f"{where}: expected a table with model and category.")
    unknown = sorted(set(raw) - JOB_KEYS)
    if unknown:
        raise InputDataError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(JOB_KEYS))}.")
    model = raw.get("model")
    if model not in SITING_MODELS:
        raise InputDataError(f"{where}.model = {model!r}; expected one of {', '.join(SITING_MODELS)}.")
    category = require_known_category(raw.get("category"), what=f"{where}.category")
    sites = raw.get("sites")
    if sites is not None and (isinstance(sites, bool) or not isinstance(sites, int) or sites < 1):
        raise InputDataError(f"{where}.sites = {sites!r}; expected a whole number >= 1.")
    if model in ("mclp", "p-median", "p-center") and sites is None:
        raise InputDataError(f"{where}: model {model} needs sites (a whole number >= 1).")
    demand = raw.get("demand", "elderly" if model == "per-subdistrict" else "households")
    if demand not in DEMANDS:
        raise InputDataError(f"{where}.demand = {demand!r}; expected one of {', '.join(DEMANDS)}.")
    per = raw.get("per_subdistrict", 1)
    if isinstance(per, bool) or not isinstance(per, int) or per < 0:
        raise InputDataError(f"{where}.per_subdistrict = {per!r}; expected a whole number >= 0.")
    t = raw.get("time_limit_s", default_time_s)
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t < float("inf"):
        raise InputDataError(f"{where}.time_limit_s = {t!r}; expected a number of seconds > 0.")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise InputDataError(f"{where}.name = {name!r}; expected a quoted text.")
    return SitingJob(model=str(model), category=category, sites=sites, demand=str(demand), per_subdistrict=per,
                     time_limit_s=float(t), name=name)


def jobs_from_table(where: str, siting: Mapping[str, Any]) -> tuple[SitingJob, ...]:
    """The siting jobs of a ``[siting]`` table.

    ``[[siting.jobs]]`` entries are jobs as they stand; the short keys ``elderly_per_subdistrict``
    (a number of centres per sub-district lacking one) and ``mclp_category``/``mclp_sites`` each
    add one job (kept for existing plan files). An empty table gives the two default jobs: one
    elderly-care centre per sub-district lacking one, and two wet-market sites (MCLP).

    Raises
    ------
    InputDataError
        A job with an unknown model, category or key, or numbers out of range; ``where`` names
        the file.
    """
    t = float(siting.get("time_limit_s", 30.0))
    jobs: list[SitingJob] = []
    per = siting.get("elderly_per_subdistrict", 1)
    if per:
        jobs.append(SitingJob(model="per-subdistrict", category="subdistrict_elderly_centre", demand="elderly",
                              per_subdistrict=int(per), time_limit_s=t))
    if "jobs" not in siting or "mclp_category" in siting or "mclp_sites" in siting:
        jobs.append(SitingJob(model="mclp", category=str(siting.get("mclp_category", "wet_market")),
                              sites=int(siting.get("mclp_sites", 2)), time_limit_s=t))
    raw_jobs = siting.get("jobs", [])
    if not isinstance(raw_jobs, list):
        raise InputDataError(f"{where}: siting.jobs must be an array of tables ([[siting.jobs]]).")
    jobs += [_job(f"{where}: siting.jobs[{i}]", raw, t) for i, raw in enumerate(raw_jobs)]
    keys = [j.key for j in jobs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise InputDataError(f"{where}: two siting jobs are both named {dup[0]!r}; give one a name.")
    return tuple(jobs)


@dataclass(frozen=True)
class PlanConfig:
    """A plan: where the inputs are (absolute paths), their coordinate systems and options.

    ``siting`` is the raw ``[siting]`` table as written; ``jobs`` the siting jobs it describes
    (see :func:`jobs_from_table`); ``reach`` the checked ``[reach]`` overrides. ``elderly``,
    ``centres`` and ``grids`` hold the checked options of those tables (see
    :func:`read_option_table`; files as absolute paths); empty means the analysis is not run.
    """

    title: str
    profile: str
    rural_profile: str
    lang: str
    inputs: dict[str, Path]
    coords: dict[str, str]
    siting: dict[str, Any]
    source: str = ""
    partition: dict[str, Any] = field(default_factory=dict)
    reach: dict[str, Any] = field(default_factory=dict)
    jobs: tuple[SitingJob, ...] = ()
    force: bool = False
    elderly: dict[str, Any] = field(default_factory=dict)
    centres: dict[str, Any] = field(default_factory=dict)
    grids: dict[str, Any] = field(default_factory=dict)
    #: ``[inputs]`` reading options: centre-lines already noded (``noded``); the compounds' own id
    #: column (``compounds_id_col``); every facility file (``inputs["facilities"]`` is the first)
    #: with its coordinate system; the coordinate system of the written layers (``out_crs``).
    noded: bool = False
    id_col: str | None = None
    facility_files: tuple[Path, ...] = ()
    facility_coords: tuple[str | None, ...] = ()
    out_crs: str | None = None

    def __post_init__(self) -> None:
        """Refuse, with the plan and before any input is read, a coordinate system or a policy
        profile that does not exist; the message names the plan file and the key."""
        _check_coordinate_systems(self)
        _check_profiles(self)


def _where(config: PlanConfig) -> str:
    """The plan file, for messages."""
    return config.source or "plan"


def _check_coordinate_systems(config: PlanConfig) -> None:
    """Every ``<name>_coords`` of ``[inputs]`` (and each of a list of facility systems) is a
    coordinate system the readers know."""
    from gis_planner.io.points import check_source_coords

    if len(set(config.facility_coords)) > 1:  # a list, one per file
        for i, value in enumerate(config.facility_coords):
            check_source_coords(value, what=f"{_where(config)}: inputs.facilities_coords[{i}]")
    for key, value in config.coords.items():
        check_source_coords(value, what=f"{_where(config)}: inputs.{key}_coords")


def _check_profiles(config: PlanConfig) -> None:
    """``profile`` and ``rural_profile`` (``""``: no rural profile) are shipped ids or profile files."""
    from gis_planner._errors import PolicyError
    from gis_planner.policy import load_profile

    for key in ("profile", "rural_profile"):
        value = getattr(config, key)
        if key == "rural_profile" and not value:
            continue
        try:
            load_profile(value)
        except (PolicyError, OSError, ValueError) as exc:  # OSError, ValueError: not a usable path
            raise PolicyError(f"{_where(config)}: {key} = {value!r}: {exc}") from exc


# ------------------------------------------------------------------ [elderly], [centres], [grids]
#: How each key of the optional analysis tables is checked: ``bool``, ``text`` (a choice when
#: ``CHOICES`` lists it), ``number`` (finite, > 0), ``count`` (whole number >= 1), ``count0``
#: (whole number >= 0), ``file`` (a path relative to the config; must exist) and ``coords`` (a
#: coordinate system of the file named by the key without ``_coords``).
OPTION_KEYS: dict[str, dict[str, str]] = {
    "elderly": {"enabled": "bool", "level": "text", "objective": "text", "budget": "number",
                "sites": "count", "health_rule": "text", "decay": "text", "standard": "file",
                "time_limit_s": "number"},
    "centres": {"enabled": "bool", "spaces": "file", "spaces_coords": "coords", "sites": "count",
                "budget": "number", "standard": "file", "time_limit_s": "number"},
    "grids": {"enabled": "bool", "micro": "bool", "grid_min": "count0", "grid_max": "count",
              "micro_min": "count0", "micro_max": "count", "workers_per_grid": "number",
              "time_limit_s": "number", "defaults": "file", "buildings": "file",
              "buildings_coords": "coords", "existing": "file", "existing_coords": "coords",
              "worker_col": "text", "departments": "file", "departments_coords": "coords",
              "department_code": "text"},
}
#: Allowed values of the text options that are choices.
CHOICES: dict[str, tuple[str, ...]] = {
    "elderly.objective": ("min_cost", "max_cover"),
    "elderly.health_rule": ("constraint", "check", "off"),
    "elderly.decay": ("step", "gaussian"),
}
_WANT = {"bool": "true or false", "text": "a quoted text", "number": "a number > 0",
         "count": "a whole number >= 1", "count0": "a whole number >= 0",
         "file": "a quoted file name relative to the config", "coords": "a quoted coordinate system "
         "(wgs84, gcj02, bd09, cgcs2000 or EPSG:<code>)"}


def _ok(kind: str, value: Any) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("text", "file", "coords"):
        return isinstance(value, str) and bool(value.strip())
    if kind == "number":
        return number and 0 < value < float("inf")
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def read_option_table(where: str, base: Path, name: str, table: Any) -> dict[str, Any]:
    """Check one of the optional analysis tables (``[elderly]``, ``[centres]``, ``[grids]``).

    Parameters
    ----------
    where
        The config file, for messages.
    base
        Its folder: file options are relative to it.
    name
        ``elderly``, ``centres`` or ``grids``.
    table
        The table as parsed (absent: ``{}``).

    Returns
    -------
    dict
        The options with files resolved to absolute paths and ``enabled = True``; ``{}`` when
        the table is absent, empty or ``enabled = false`` (the analysis is not run).

    Raises
    ------
    InputDataError
        Not a table, an unknown key, a value of the wrong kind, a file that does not exist, or
        a missing required option (``[centres]`` needs ``spaces`` and ``sites`` or ``budget``;
        ``elderly.objective = "max_cover"`` needs ``budget`` or ``sites``; band floors above
        their ceilings).
    """
    keys = OPTION_KEYS[name]
    if not isinstance(table, Mapping):
        raise InputDataError(f"{where}: [{name}] must be a table; got {table!r}.")
    bad = sorted(set(table) - set(keys))
    if bad:
        raise InputDataError(f"{where}: unknown key(s) {', '.join(f'{name}.{k}' for k in bad)}; "
                             f"expected {', '.join(sorted(keys))}.")
    out = {key: _option_value(where, base, f"{name}.{key}", keys[key], value) for key, value in table.items()}
    if not out.pop("enabled", True) or not table:
        return {}
    _check_together(where, name, out)
    out["enabled"] = True
    return out


def _option_value(where: str, base: Path, key: str, kind: str, value: Any) -> Any:
    """One checked option ``key`` (``table.name``) of ``kind``: files resolved against ``base``
    and required to exist, numbers as floats."""
    if not _ok(kind, value):
        raise InputDataError(f"{where}: {key} = {value!r}; expected {_WANT[kind]}.")
    choices = CHOICES.get(key)
    if choices and value not in choices:
        raise InputDataError(f"{where}: {key} = {value!r}; expected one of {', '.join(choices)}.")
    if kind == "number":
        return float(value)
    if kind == "coords":
        from gis_planner.io.points import check_source_coords

        check_source_coords(value, what=f"{where}: {key}")
    if kind != "file":
        return value
    return config_file(where, base, key, value)


def config_file(where: str, base: Path, key: str, value: str) -> Path:
    """The existing file a config key names, relative to the config's folder ``base``.

    Raises
    ------
    InputDataError
        Not a usable path, or no file there; the message names the config file ``where``, the
        key and the path looked for (``sub/roads.geojson`` for ``"roads.geojson"`` in
        ``sub/plan.toml``).
    """
    looked = base / value
    try:
        f = looked.resolve()
        found = f.is_file()
    except (OSError, ValueError) as exc:
        raise InputDataError(f"{where}: {key} = {value!r} is not a usable path ({exc}).") from exc
    if not found:
        raise InputDataError(f"{where}: {key} = {value!r}: file not found (looked for {looked}).")
    return f


def _check_together(where: str, name: str, out: dict[str, Any]) -> None:
    """Options of one table that only make sense together."""
    if name == "centres":
        if "spaces" not in out:
            raise InputDataError(f"{where}: [centres] needs spaces (the inventory of idle spaces, e.g. "
                                 "\"spaces.csv\").")
        if "sites" not in out and "budget" not in out:
            raise InputDataError(f"{where}: [centres] needs sites or budget (or both).")
    if name == "elderly" and out.get("objective") == "max_cover" and not {"sites", "budget"} & set(out):
        raise InputDataError(f"{where}: elderly.objective = \"max_cover\" needs budget or sites.")
    for low, high in (("grid_min", "grid_max"), ("micro_min", "micro_max")):
        if low in out and high in out and out[low] > out[high]:
            raise InputDataError(f"{where}: grids.{low} = {out[low]} is above grids.{high} = {out[high]}.")
    for key in [k for k in out if k.endswith("_coords")]:
        if key[: -len("_coords")] not in out:
            raise InputDataError(f"{where}: {name}.{key} is given without {name}.{key[:-len('_coords')]}.")
