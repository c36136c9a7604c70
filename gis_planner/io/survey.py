"""Look at the files of a folder and guess what each one is (for ``gis-planner init``).

:func:`survey_folder` reads each file's header only (columns, geometry type, CRS; CSVs whole,
through :func:`~gis_planner.io.tables.read_table`) and guesses its role in a plan (network,
compounds, gates, facilities, communities, sub-districts, candidates, community attributes,
spaces, buildings, grids, population raster) from its name, its columns (the readers' own
alias lists) and its geometry type, and for lon/lat data the coordinate system, each guess with
the reasons behind it. Nothing is converted or written.

GCJ-02 (Amap, Tencent) and WGS-84 lon/lat in a Chinese city cannot be told apart from the
numbers alone (the offset is a few hundred metres). The coordinate guess therefore uses what
can be seen: column names (``gcj02_lng``), file names (``amap``, ``高德``, ``baidu``), Amap-style
POI columns (``type``/``typecode``), and, when a road network is found, the alignment test of
:func:`~gis_planner.io.alignment.check_alignment` (points that lie off their roads the way
GCJ-02 read as WGS-84 do). Every coordinate guess must be confirmed by the user.
"""

from __future__ import annotations

import json
import logging
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis_planner._errors import InputDataError
from gis_planner.io.admin import COMMUNITY_CODE_ALIASES, SUBDISTRICT_CODE_ALIASES
from gis_planner.io.facilities import CATEGORY_ALIASES, TYPE_ALIASES, TYPECODE_ALIASES
from gis_planner.io.households import COMPOUND_ID_ALIASES, HOUSEHOLD_ALIASES, OPTIONAL
from gis_planner.io.network import OSM_SUFFIXES
from gis_planner.io.points import CSV_SUFFIXES, LAT_ALIASES, LON_ALIASES, X_ALIASES, Y_ALIASES
from gis_planner.io.spaces import ALIASES as SPACE_ALIASES
from gis_planner.io.spaces import REQUIRED as SPACE_REQUIRED

logger = logging.getLogger(__name__)

#: Roles a plan file (``[inputs]``) takes, in the order the plan lists them.
PLAN_ROLES = ("network", "compounds", "gates", "facilities", "communities", "subdistricts",
              "candidates", "attributes")
#: Roles other commands read (noted in the plan as comments).
OTHER_ROLES = ("spaces", "buildings", "grids", "population")
#: Roles whose lon/lat coordinate system the plan declares (``<role>_coords``).
COORD_ROLES = ("compounds", "gates", "facilities", "candidates")

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
RASTER_SUFFIXES = (".tif", ".tiff")

#: File-name words that hint at a role (lower-case ASCII or Chinese).
NAME_HINTS: dict[str, tuple[str, ...]] = {
    "network": ("road", "street", "network", "osm", "路网", "道路", "街道网"),
    "compounds": ("compound", "household", "homes", "residential", "xiaoqu", "小区", "住户", "居住"),
    "gates": ("gate", "entrance", "出入口", "大门", "门"),
    "facilities": ("facilit", "poi", "amenit", "service", "设施", "配套"),
    "communities": ("communit", "village", "社区", "居委", "村"),
    "subdistricts": ("subdistrict", "township", "jiedao", "乡镇", "街道"),
    "candidates": ("candidate", "site", "parcel", "备选", "地块", "候选"),
    "attributes": ("attribute", "属性", "台账"),
    "spaces": ("space", "idle", "空间", "闲置", "用房"),
    "buildings": ("building", "建筑", "楼栋"),
    "grids": ("grid", "网格"),
    "population": ("population", "pop", "人口", "worldpop"),
}
#: File-name words that say where lon/lat come from.
COORD_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "gcj02": ("gcj", "amap", "gaode", "高德", "tencent", "腾讯", "qq"),
    "bd09": ("bd09", "baidu", "百度"),
    "wgs84": ("wgs84", "wgs", "gps", "osm"),
}
#: Points a role needs to be chosen: more than a file name alone (2) gives.
MIN_SCORE = 4
BUILDING_ID_COLUMNS = ("building_id", "bldg_id", "楼栋编号", "楼栋id")
BUILDING_COLUMNS = ("building", "floors", "层数", "楼层数", "use", "用途", "建筑用途", "height")
CANDIDATE_ID_COLUMNS = ("candidate_id", "site_id", "地块编号", "备选编号")
GATE_COLUMNS = ("gate_id", "出入口编号")


@dataclass
class FileGuess:
    """What :func:`survey_folder` made of one file.

    Attributes
    ----------
    path
        The file (or GMNS folder).
    kind
        ``vector``, ``table``, ``workbook``, ``osm``, ``graphml``, ``gmns``, ``raster``, or
        ``unreadable`` (see ``note``).
    columns, geometry, crs
        Column names, geometry type (``""`` for tables) and CRS text (``""`` when none).
    role
        The best role (one of :data:`PLAN_ROLES` or :data:`OTHER_ROLES`), ``""`` when none fits.
    scores
        Points per role (the best one wins).
    reasons
        Per role, why it scored.
    coords
        For lon/lat layers of a :data:`COORD_ROLES` role: the guessed system (``wgs84``,
        ``gcj02``, ``bd09``); ``""`` otherwise.
    coords_reason
        Why, in a sentence.
    lonlat
        Whether the layer holds lon/lat degrees (CSV lon/lat columns or a geographic CRS).
    note
        Why the file could not be read (``kind`` ``unreadable``).
    """

    path: Path
    kind: str
    columns: list[str] = field(default_factory=list)
    geometry: str = ""
    crs: str = ""
    role: str = ""
    scores: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    coords: str = ""
    coords_reason: str = ""
    lonlat: bool = False
    note: str = ""

    def add(self, role: str, points: int, reason: str) -> None:
        """Score ``role`` by ``points`` for ``reason``."""
        self.scores[role] = self.scores.get(role, 0) + points
        self.reasons.setdefault(role, []).append(reason)


def quoted(text: str) -> str:
    """``text`` as a TOML basic string, safe in a value or a comment: JSON escapes (quotes,
    backslashes, control characters) plus DEL, which TOML refuses raw."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _has(columns: list[str], aliases: tuple[str, ...] | list[str]) -> str:
    """The first column matching an alias (case-insensitive), else ``""``."""
    low = {c.strip().lower(): c for c in columns}
    return next((low[a.lower()] for a in aliases if a.lower() in low), "")


def _name_words(path: Path) -> str:
    return path.name.lower()


def _describe(path: Path) -> FileGuess | None:
    """The file's kind and header, or None when it is not a data file."""
    from gis_planner.io._open import vector_info
    from gis_planner.io.tables import read_table

    name = path.name.lower()
    if path.is_dir():
        if (path / "node.csv").is_file() and (path / "link.csv").is_file():
            return FileGuess(path=path, kind="gmns")
        return None
    if name.endswith(OSM_SUFFIXES):
        return FileGuess(path=path, kind="osm")
    if name.endswith(".graphml"):
        return FileGuess(path=path, kind="graphml")
    if name.endswith(RASTER_SUFFIXES):
        return FileGuess(path=path, kind="raster")
    if name.endswith(VECTOR_SUFFIXES):
        info = vector_info(path, what=str(path))
        crs = info.get("crs") or ""
        return FileGuess(path=path, kind="vector", columns=[str(c) for c in info.get("fields", [])],
                         geometry=str(info.get("geometry_type") or ""), crs=str(crs))
    if name.endswith(CSV_SUFFIXES):
        df = read_table(path, what=str(path))
        return FileGuess(path=path, kind="table", columns=list(df.columns))
    if name.endswith(WORKBOOK_SUFFIXES):
        import pandas as pd

        from gis_planner.io._open import check_zip_archive

        check_zip_archive(path, what=str(path))
        try:
            head = pd.read_excel(path, header=None, nrows=4, dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl: a workbook it cannot read
            raise InputDataError(f"{path}: cannot read as an Excel workbook "
                                 f"({' '.join(str(exc).split())}).") from exc
        cols = [str(v) for v in head.to_numpy().ravel() if isinstance(v, str)]
        return FileGuess(path=path, kind="workbook", columns=cols)
    return None


def _score(g: FileGuess) -> None:
    """Score every role for one file (name, columns, geometry)."""
    name = _name_words(g.path)
    for role, words in NAME_HINTS.items():
        hit = next((w for w in words if w in name), None)
        if hit:
            g.add(role, 2, f"file name contains {hit!r}")
    if g.kind in ("osm", "graphml", "gmns"):
        g.add("network", 10, f"{g.kind.upper()} network file")
        return
    if g.kind == "raster":
        g.add("population", 5, "raster (population grid for households_from_raster)")
        return
    _score_columns(g)


def _score_columns(g: FileGuess) -> None:
    """Score the roles of a vector layer or table from its geometry type and column names."""
    cols = g.columns
    geom = g.geometry.lower()
    lines = "linestring" in geom
    polys = "polygon" in geom
    lon, lat = _has(cols, LON_ALIASES), _has(cols, LAT_ALIASES)
    xy = bool(_has(cols, X_ALIASES) and _has(cols, Y_ALIASES))
    points = "point" in geom or (g.kind == "table" and (bool(lon and lat) or xy))
    hh = _has(cols, HOUSEHOLD_ALIASES)
    # a bare "code" column names sub-districts as often as communities: not evidence here
    com = _has(cols, tuple(a for a in (*COMMUNITY_CODE_ALIASES, *OPTIONAL["community_code"])
                           if a != "code"))
    sub = _has(cols, SUBDISTRICT_CODE_ALIASES)
    fac = _has(cols, TYPE_ALIASES + TYPECODE_ALIASES + CATEGORY_ALIASES)
    comp_ref = _has(cols, (*COMPOUND_ID_ALIASES[:1], "小区编号", "小区代码", "小区ID"))
    if lines:
        g.add("network", 8, f"{g.geometry} geometry (street centre-lines)")
    if hh and (polys or points):
        g.add("compounds", 8, f"household column {hh!r}")
    if comp_ref and points and not hh:
        g.add("gates", 4, f"points referring to compounds by {comp_ref!r}")
    if _has(cols, GATE_COLUMNS):
        g.add("gates", 4, f"column {_has(cols, GATE_COLUMNS)!r}")
    if fac and points:
        g.add("facilities", 6, f"facility type/category column {fac!r}")
    if polys and com and not hh:
        g.add("communities", 6, f"polygons with community code {com!r}")
    if polys and sub and not com and not hh:
        g.add("subdistricts", 6, f"polygons with sub-district code {sub!r}")
    if _has(cols, CANDIDATE_ID_COLUMNS) and points:
        g.add("candidates", 6, f"column {_has(cols, CANDIDATE_ID_COLUMNS)!r}")
    if g.kind in ("table", "workbook") and com and not points:
        g.add("attributes", 6, f"a table without coordinates keyed by {com!r}")
    if points and all(_has(cols, SPACE_ALIASES[k]) for k in SPACE_REQUIRED):
        g.add("spaces", 8, "columns " + ", ".join(repr(_has(cols, SPACE_ALIASES[k])) for k in SPACE_REQUIRED))
    if polys and _has(cols, BUILDING_ID_COLUMNS):
        g.add("buildings", 8, f"polygons with building id {_has(cols, BUILDING_ID_COLUMNS)!r}")
    elif polys and not hh and _has(cols, BUILDING_COLUMNS) and not com:
        g.add("buildings", 4, f"polygons with building column {_has(cols, BUILDING_COLUMNS)!r}")
    grid = next((c for c in cols if "grid" in c.lower() or "网格" in c), "")
    if polys and grid:
        g.add("grids", 6, f"polygons with grid column {grid!r}")
    g.lonlat = bool(lon and lat) if g.kind == "table" else _geographic(g.crs)


def _geographic(crs: str) -> bool:
    if not crs:
        return False
    import pyproj

    try:
        return bool(pyproj.CRS.from_user_input(crs).is_geographic)
    except pyproj.exceptions.CRSError:
        return False


def _coords_from_evidence(g: FileGuess) -> tuple[str, str]:
    """The coordinate system the names and columns point to, and why; ``("", "")`` if none."""
    cols = [c.lower() for c in g.columns]
    for system, prefix in (("gcj02", "gcj02_"), ("bd09", "bd09_"), ("wgs84", "wgs84_")):
        col = next((c for c in cols if c.startswith(prefix)), None)
        if col:
            return system, f"column {col!r} names it"
    name = _name_words(g.path)
    for system, words in COORD_NAME_HINTS.items():
        hit = next((w for w in words if re.search(rf"(?<![a-z]){re.escape(w)}", name)), None)
        if hit:
            return system, f"file name contains {hit!r}"
    tcode = _has(g.columns, TYPECODE_ALIASES)
    ttype = _has(g.columns, TYPE_ALIASES)
    if tcode and ttype:
        return "gcj02", (f"Amap-style POI columns ({ttype!r}, {tcode!r}): Amap exports are GCJ-02 "
                         "unless someone converted them")
    return "", ""


def _alignment(g: FileGuess, network: Any) -> dict[str, Any] | None:
    """:func:`check_alignment` of the layer read as WGS-84 against ``network`` (None if it
    cannot be read)."""
    from gis_planner.io.alignment import check_alignment
    from gis_planner.io.points import read_points

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pts = read_points(g.path, source_coords="wgs84", metric_crs=network.crs,
                              id_aliases=("gate_id", "candidate_id", "facility_id", "id", "ID", "编号"),
                              index_name="id", allowed_types=("Point", "MultiPoint"))
            return check_alignment(pts, network, what=g.path.name)
    except (InputDataError, ValueError) as exc:
        logger.info("%s: alignment test skipped (%s)", g.path.name, exc)
        return None


def _guess_coords(g: FileGuess, network: Any) -> None:
    if not g.lonlat or g.role not in COORD_ROLES:
        return
    system, why = _coords_from_evidence(g)
    # compounds are measured from inside their polygons, not from a road: no alignment test
    test = _alignment(g, network) if network is not None and g.role != "compounds" else None
    if test is not None and test.get("suspected"):
        sus = str(test["suspected"])
        system = sus
        why = (f"read as WGS-84 the points lie a median {float(test['median_m']):.0f} m from their "
               f"roads, read as {sus.upper()} {float(test[f'median_if_{sus}_m']):.0f} m "
               f"(alignment test, {test['method']})")
    elif not system:
        system = "wgs84"
        why = ("nothing in the names or columns says otherwise" if g.kind == "table" else
               f"the file says {g.crs}, as GCJ-02 data saved as lon/lat would too")
        if test is not None and test.get("method"):
            why += (f"; the points lie a median {float(test['median_m']):.0f} m from the roads as "
                    "WGS-84 and reading them as GCJ-02 or BD-09 does not bring them closer")
    g.coords, g.coords_reason = system, why


def survey_folder(folder: str | os.PathLike[str], *, skip: tuple[str, ...] = ()) -> list[FileGuess]:
    """Guess the role and coordinate system of every data file in ``folder`` (not recursive).

    Parameters
    ----------
    folder
        A folder of input files.
    skip
        File names left out (the plan file being written).

    Returns
    -------
    list of FileGuess
        One per data file, sorted by name; ``role`` is ``""`` for files no role fits. At most
        one file per plan role wins (the highest score, then the shortest name); the others
        keep their guess in ``scores`` and are listed by the caller as alternatives.

    Raises
    ------
    InputDataError
        A missing folder. A file whose header cannot be read is returned as ``unreadable``.
    """
    from gis_planner.io._open import check_input_path

    base = check_input_path(folder, what=str(folder))
    if not base.is_dir():
        raise InputDataError(f"{folder}: not a folder; expected a folder of input files.")
    guesses: list[FileGuess] = []
    for p in sorted(base.iterdir(), key=lambda q: q.name):
        if p.name in skip or p.name.startswith(".") or p.is_symlink():
            continue
        try:
            g = _describe(p)
        except InputDataError as exc:  # listed as unreadable; the other files still count
            guesses.append(FileGuess(path=p, kind="unreadable", note=" ".join(str(exc).split())))
            continue
        if g is None:
            continue
        _score(g)
        if g.scores:
            g.role = max(g.scores, key=g.scores.__getitem__)
        guesses.append(g)
    _one_per_role(guesses)
    network = None
    net = next((g for g in guesses if g.role == "network"), None)
    if net is not None and any(g.role in COORD_ROLES and g.lonlat for g in guesses):
        from gis_planner.io.network import read_network

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                network = read_network(net.path)
        except InputDataError as exc:
            logger.info("%s: not read for the alignment test (%s)", net.path.name, exc)
    for g in guesses:
        _guess_coords(g, network)
    return guesses


def _one_per_role(guesses: list[FileGuess]) -> None:
    """Keep the best file of each plan role (files of :data:`OTHER_ROLES` may be many); the
    others fall back to their next role, else none."""
    taken: dict[str, FileGuess] = {}
    for g in sorted(guesses, key=lambda x: (-max(x.scores.values(), default=0), len(x.path.name),
                                            x.path.name)):
        for role in sorted(g.scores, key=lambda r: -g.scores[r]):
            if (role not in taken or role in OTHER_ROLES) and g.scores[role] >= MIN_SCORE:
                taken[role] = g
                g.role = role
                break
        else:
            g.role = ""
