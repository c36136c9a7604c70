"""Writers: every output goes through a temporary file and a rename (never half-written).

Layers are computed in the network's metric CRS; :func:`to_output_crs` (and the ``out_crs``
option of :func:`write_layers`) gives them back in the input's own coordinate system, in
CGCS2000 (EPSG:4490, the national system), WGS-84 or any CRS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gis_planner._errors import CRSError
from gis_planner._fs import atomic_path
from gis_planner.io.coords import from_wgs84

#: ``out_crs`` names and the CRS they stand for (GCJ-02/BD-09 are lon/lat offsets of WGS-84).
OUT_CRS_NAMES = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490", "gcj02": "EPSG:4326",
                 "bd09": "EPSG:4326"}


def to_output_crs(gdf: gpd.GeoDataFrame, out_crs: object, *,
                  like: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` in the coordinate system asked for outputs.

    Parameters
    ----------
    gdf
        A layer in the working (metric) CRS.
    out_crs
        None (unchanged: the working CRS), ``"input"`` (the coordinate system of the file the
        layer was read from: its CRS, or GCJ-02/BD-09 lon/lat for Amap/Baidu inputs),
        ``"cgcs2000"`` (EPSG:4490), ``"wgs84"``, ``"gcj02"``, ``"bd09"``, or any EPSG code,
        string or pyproj CRS.
    like
        The layer read from the input file, when ``gdf`` is a result computed from it (results
        do not always carry the reader's ``attrs``).

    Returns
    -------
    GeoDataFrame
        Same index, columns and ``attrs``; ``attrs["out_crs"]`` names the system written
        (``gcj02``/``bd09`` layers are labelled EPSG:4326 but hold offset coordinates).

    Raises
    ------
    CRSError
        An unknown name, or ``"input"`` for a layer whose input system is not recorded.
    """
    if out_crs is None:
        return gdf
    source = like if like is not None else gdf
    name = str(out_crs).strip().lower() if isinstance(out_crs, str) else None
    if name == "input":
        out_crs = input_system(source)
        name = out_crs if isinstance(out_crs, str) and out_crs in OUT_CRS_NAMES else None
    if name in OUT_CRS_NAMES:
        out = gdf.to_crs(OUT_CRS_NAMES[name])
        if name in ("gcj02", "bd09"):
            geoms = out.geometry.to_numpy()
            coords = shapely.get_coordinates(geoms)
            lon, lat = from_wgs84(coords[:, 0], coords[:, 1], name)
            out = out.set_geometry(shapely.set_coordinates(geoms.copy(), np.c_[lon, lat]))
    else:
        try:
            crs = pyproj.CRS.from_user_input(out_crs)
        except pyproj.exceptions.CRSError as exc:
            raise CRSError(f"out_crs={out_crs!r} is not a coordinate system; expected 'input', "
                           f"{', '.join(map(repr, OUT_CRS_NAMES))} or an EPSG code ({exc}).") from exc
        out = gdf.to_crs(crs)
        name = crs.to_string()
    out.attrs.update(gdf.attrs)
    out.attrs["out_crs"] = name
    return out


def input_system(layer: gpd.GeoDataFrame) -> object:
    """The coordinate system of the file ``layer`` was read from, as ``out_crs`` takes it.

    Parameters
    ----------
    layer
        A layer as a :mod:`gis_planner.io` reader returned it (its ``attrs`` record the input's
        system).

    Returns
    -------
    str or object
        ``"gcj02"``, ``"bd09"``, ``"wgs84"`` or ``"cgcs2000"`` for lon/lat inputs declared so,
        else the input file's CRS (as recorded: a pyproj CRS, WKT or ``EPSG:<code>``).

    Raises
    ------
    CRSError
        When the layer does not record its input's coordinate system.
    """
    system = str(layer.attrs.get("source_coords", ""))
    if system in ("gcj02", "bd09", "wgs84", "cgcs2000"):
        return system
    if layer.attrs.get("input_crs"):
        return layer.attrs["input_crs"]
    if system.upper().startswith("EPSG:"):
        return system
    raise CRSError("out_crs='input': the input's coordinate system is not recorded on "
                   "this layer; pass like=<the layer as read> or name the CRS "
                   "(e.g. out_crs='cgcs2000').")


def check_out_crs(out_crs: object, *, what: str = "out_crs") -> object:
    """``out_crs`` when it names a coordinate system :func:`to_output_crs` can write, checked
    before any work: None, ``"input"``, a name of :data:`OUT_CRS_NAMES`, or a CRS pyproj knows
    (an EPSG code such as ``4490`` or ``"EPSG:4549"``).

    Raises
    ------
    CRSError
        Naming ``what`` (the option or plan key), the value and what is expected.
    """
    if out_crs is None:
        return None
    if isinstance(out_crs, str):
        text = out_crs.strip()
        if text.lower() == "input" or text.lower() in OUT_CRS_NAMES:
            return text.lower()
        out_crs = f"EPSG:{text}" if text.isdigit() else text
    try:
        pyproj.CRS.from_user_input(out_crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(f"{what} {out_crs!r} is not a coordinate system; expected input, "
                       f"{', '.join(OUT_CRS_NAMES)} or an EPSG code such as 4490.") from exc
    return out_crs


def kept_audit(facilities: gpd.GeoDataFrame) -> pd.DataFrame:
    """An audit table (the columns of :func:`gis_planner.io.read_facilities_with_audit`'s) for
    facilities given as a frame, not read from a file: every row ``kept``."""
    from gis_planner.categories import label

    cats = facilities["category"].astype(str) if "category" in facilities else pd.Series("", index=facilities.index)
    names = facilities["name"] if "name" in facilities else pd.Series("", index=facilities.index)
    audit = pd.DataFrame({"name": names.to_numpy(), "status": "kept", "category": cats.to_numpy(),
                          "category_zh": [label(c, "zh") for c in cats], "reason": ""},
                         index=facilities.index)
    audit.index.name = facilities.index.name or "facility_id"
    return audit


def _gpkg_ready(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy GeoPackage can store: the index as a column, lists joined, object ids as text."""
    out = gdf.copy()
    name = out.index.name or "id"
    out = out.reset_index(names=name) if name not in out.columns else out.reset_index(drop=True)
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].dtype == object or str(out[col].dtype).startswith("string"):
            out[col] = [("、".join(map(str, v)) if isinstance(v, (list, tuple)) else
                         (None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)))
                        for v in out[col]]
    return out


def write_layers(path: str | os.PathLike[str], layers: Mapping[str, gpd.GeoDataFrame], *,
                 overwrite: bool = False, out_crs: object = None,
                 like: Mapping[str, gpd.GeoDataFrame] | None = None) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage, atomically.

    Parameters
    ----------
    out_crs
        Coordinate system of every layer written (see :func:`to_output_crs`); None keeps each
        layer's CRS.
    like
        Per layer name, the layer as read from its input file (for ``out_crs="input"``).

    Raises
    ------
    InputDataError
        When ``path`` exists and ``overwrite`` is false.
    CRSError
        See :func:`to_output_crs`.
    """
    path = Path(path)
    ready = {name: to_output_crs(gdf, out_crs, like=(like or {}).get(name))
             for name, gdf in layers.items()}
    with atomic_path(path, overwrite=overwrite) as tmp:
        for i, (name, gdf) in enumerate(ready.items()):
            _gpkg_ready(gdf).to_file(tmp, layer=name, driver="GPKG", mode="w" if i == 0 else "a")
    return path


def values_only(ws: Any) -> None:
    """Make every text cell of the openpyxl worksheet ``ws`` a string value.

    openpyxl stores a text starting with ``=`` as a formula and ``#N/A``-like texts as error
    values; names and codes come from third parties (``=HYPERLINK(…)``), so every text cell
    is set back to a string. Numbers, dates and booleans are left as they are. The table
    workbooks (:func:`write_table`), report.xlsx and the ``check`` workbook go through this
    before they are saved.
    """
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type != "s":
                cell.data_type = "s"


def write_table(path: str | os.PathLike[str], table: pd.DataFrame | Mapping[str, pd.DataFrame], *,
                overwrite: bool = False, index: bool = False) -> Path:
    """Write a table as CSV (UTF-8 with BOM, so Excel shows Chinese) or, for ``.xlsx``, one or
    more sheets; atomically. In a workbook, text is never a formula (:func:`values_only`);
    a CSV keeps the texts exactly as given."""
    path = Path(path)
    sheets = table if isinstance(table, Mapping) else {"table": table}
    with atomic_path(path, overwrite=overwrite) as tmp:
        if path.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                for name, df in sheets.items():
                    df.to_excel(xw, sheet_name=str(name)[:31], index=index)
                for ws in xw.sheets.values():
                    values_only(ws)
        else:
            (next(iter(sheets.values()))).to_csv(tmp, index=index, encoding="utf-8-sig",
                                                 lineterminator="\n")
    return path


def write_facility_audit(path: str | os.PathLike[str], audit: pd.DataFrame, *,
                         overwrite: bool = False) -> Path:
    """Write the facility audit table (:func:`gis_planner.io.read_facilities_with_audit`) as
    CSV (UTF-8 with BOM, opens in Excel) or ``.xlsx``, with ``facility_id`` as first column,
    atomically."""
    return write_table(path, audit.reset_index(names=audit.index.name or "facility_id"),
                       overwrite=overwrite)
