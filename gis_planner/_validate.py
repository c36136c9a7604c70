"""Checks run at the boundary of public functions; each raises a message that names the input."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gis_planner._errors import CRSError, InputDataError

if TYPE_CHECKING:
    import geopandas as gpd


def _rows(index: pd.Index, mask: np.ndarray, limit: int = 5) -> str:
    """Format the first offending index labels, e.g. ``'index 17, 42, 108 (+3 more)'``."""
    labels = [str(x) for x in index[mask][:limit]]
    extra = int(mask.sum()) - len(labels)
    return "index " + ", ".join(labels) + (f" (+{extra} more)" if extra > 0 else "")


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise :class:`InputDataError` when any of ``columns`` is missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputDataError(
            f"{what}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"found {', '.join(repr(str(c)) for c in df.columns) or 'no columns'}."
        )


def require_metric_crs(gdf: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise :class:`CRSError` unless ``gdf`` has a projected CRS in metres."""
    if gdf.crs is None or not gdf.crs.is_projected:
        found = "no CRS" if gdf.crs is None else f"geographic CRS {gdf.crs.to_string()}"
        raise CRSError(
            f"{what} has {found}; distances need metres. Read it through gis_planner.io "
            "or call .to_crs(network.crs)."
        )
    unit = gdf.crs.axis_info[0].unit_name if gdf.crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(f"{what} has CRS {gdf.crs.to_string()} in {unit}; expected metres.")


def require_same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, what_a: str, what_b: str) -> None:
    """Raise :class:`CRSError` when two frames are in different CRSs (never reproject silently)."""
    if a.crs != b.crs:
        raise CRSError(
            f"{what_a} is in {a.crs and a.crs.to_string()} but {what_b} is in "
            f"{b.crs and b.crs.to_string()}; reproject one with .to_crs() first."
        )


def require_points(gdf: gpd.GeoDataFrame, *, what: str) -> None:
    """Raise :class:`InputDataError` unless every geometry is a non-empty Point."""
    if len(gdf) == 0:
        raise InputDataError(f"{what} is empty; expected at least one point.")
    geom = gdf.geometry
    bad = (geom.isna() | geom.is_empty | (geom.geom_type != "Point")).to_numpy()
    if bad.any():
        kinds = sorted({str(t) for t in geom[bad].geom_type.fillna("missing")})
        raise InputDataError(
            f"{what}: {int(bad.sum())} geometries are not points ({', '.join(kinds)}; "
            f"{_rows(gdf.index, bad)}); expected Point."
        )


def require_unique_index(df: pd.DataFrame, *, what: str) -> None:
    """Raise :class:`InputDataError` when the index holds duplicate ids."""
    dup = df.index.duplicated(keep=False)
    if dup.any():
        raise InputDataError(f"{what}: duplicate ids ({_rows(df.index, dup)}); ids must be unique.")


def require_nonnegative_numbers(df: pd.DataFrame, column: str, *, what: str) -> None:
    """Raise :class:`InputDataError` unless ``column`` is numeric, finite and >= 0."""
    values = pd.to_numeric(df[column], errors="coerce")
    bad_num = values.isna().to_numpy() & df[column].notna().to_numpy()
    if bad_num.any():
        raise InputDataError(
            f"{what}: column {column!r} has {int(bad_num.sum())} non-numeric values "
            f"({_rows(df.index, bad_num)}); expected numbers."
        )
    missing = values.isna().to_numpy()
    if missing.any():
        raise InputDataError(
            f"{what}: column {column!r} has {int(missing.sum())} empty values "
            f"({_rows(df.index, missing)}); expected numbers >= 0."
        )
    arr = values.to_numpy(dtype=float)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise InputDataError(
            f"{what}: column {column!r} has {int(bad.sum())} negative or infinite values "
            f"({_rows(df.index, bad)}); counts must be >= 0."
        )
