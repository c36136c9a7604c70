"""Which administrative unit (community, sub-district) each point or polygon lies in."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def unit_codes(features: gpd.GeoDataFrame, units: gpd.GeoDataFrame | None, column: str) -> pd.Series:
    """The code of the unit each feature lies in (its representative point inside the polygon).

    A ``column`` of the features (e.g. ``community_code``) wins where the features carry it.

    Parameters
    ----------
    features
        Points or polygons (same CRS as ``units``).
    units
        Unit polygons indexed by their code, or None.
    column
        Name of the code column (``community_code``, ``subdistrict_code``).

    Returns
    -------
    pandas.Series
        String codes (``pd.NA`` outside every unit, or without units), index of ``features``.
    """
    if column in features.columns:
        return features[column].astype("string")
    if units is None or len(features) == 0:
        return pd.Series(pd.NA, index=features.index, dtype="string")
    pts = gpd.GeoDataFrame(geometry=features.geometry.representative_point(), crs=features.crs)
    polys = gpd.GeoDataFrame({"unit_code": units.index.astype(str)}, geometry=units.geometry.to_numpy(),
                             crs=units.crs)
    joined = gpd.sjoin(pts, polys, how="left", predicate="within")
    first = joined[~joined.index.duplicated()]
    return first["unit_code"].astype("string").reindex(features.index)
