"""Writers: every output goes through a temporary file and a rename (never half-written)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._fs import atomic_path


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
                 overwrite: bool = False) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage, atomically.

    Raises
    ------
    InputDataError
        When ``path`` exists and ``overwrite`` is false.
    """
    path = Path(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        for i, (name, gdf) in enumerate(layers.items()):
            _gpkg_ready(gdf).to_file(tmp, layer=name, driver="GPKG", mode="w" if i == 0 else "a")
    return path


def write_table(path: str | os.PathLike[str], table: pd.DataFrame | Mapping[str, pd.DataFrame], *,
                overwrite: bool = False, index: bool = False) -> Path:
    """Write a table as CSV (UTF-8 with BOM, so Excel shows Chinese) or, for ``.xlsx``, one or
    more sheets; atomically."""
    path = Path(path)
    sheets = table if isinstance(table, Mapping) else {"table": table}
    with atomic_path(path, overwrite=overwrite) as tmp:
        if path.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                for name, df in sheets.items():
                    df.to_excel(xw, sheet_name=str(name)[:31], index=index)
        else:
            (next(iter(sheets.values()))).to_csv(tmp, index=index, encoding="utf-8-sig",
                                                 lineterminator="\n")
    return path
