"""Households per community: which community each compound belongs to, by a stated rule."""

from __future__ import annotations

import logging
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner._validate import require_columns, require_same_crs

logger = logging.getLogger(__name__)

AssignRule = Literal["centroid", "gate", "area"]
#: A compound overlapping a second community by more than this share of its area straddles.
STRADDLE_SHARE = 0.01


def assign_compounds(
    compounds: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    rule: AssignRule = "centroid",
    gates: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """The community of every compound, never splitting a compound.

    Parameters
    ----------
    rule
        ``"centroid"``: the community containing the compound's representative point (a point
        inside it); ``"area"``: the community holding the largest share of its area (polygons);
        ``"gate"``: the community holding most of its gates (ties and gateless compounds fall
        back to ``"centroid"``).

    Returns
    -------
    DataFrame
        Indexed like ``compounds``: ``community_code`` (None when outside every community),
        ``straddles`` (bool: the polygon overlaps more than one community by > 1 % of its area),
        ``rule`` (the rule that decided).
    """
    require_same_crs(compounds, communities, what_a="compounds", what_b="communities")
    if rule not in ("centroid", "gate", "area"):
        raise InputDataError(f"assignment rule must be centroid, gate or area; got {rule!r}.")
    com = gpd.GeoDataFrame({"community_code": communities.index.astype(str)},
                           geometry=communities.geometry.to_numpy(), crs=communities.crs)
    pts = gpd.GeoDataFrame(geometry=compounds.geometry.representative_point(), crs=compounds.crs,
                           index=compounds.index)
    hit = gpd.sjoin(pts, com, predicate="within", how="left")
    hit = hit[~hit.index.duplicated(keep="first")]
    code = hit["community_code"].reindex(compounds.index).astype(object)
    decided = pd.Series("centroid", index=compounds.index)
    polys = compounds.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    straddles = pd.Series(False, index=compounds.index)
    if polys.any():
        inter = gpd.overlay(
            gpd.GeoDataFrame({"compound_id": compounds.index[polys]},
                             geometry=compounds.geometry[polys].to_numpy(), crs=compounds.crs),
            com, how="intersection", keep_geom_type=True)
        inter["share"] = inter.area / inter["compound_id"].map(
            compounds.geometry[polys].area.set_axis(compounds.index[polys]))
        sig = inter[inter["share"] > STRADDLE_SHARE]
        counts = sig.groupby("compound_id").size()
        straddles.loc[counts.index[counts > 1]] = True
        if rule == "area":
            best = inter.sort_values("share", ascending=False).drop_duplicates("compound_id")
            code.loc[best["compound_id"].to_numpy()] = best["community_code"].to_numpy()
            decided.loc[best["compound_id"].to_numpy()] = "area"
    if rule == "gate":
        if gates is None or len(gates) == 0:
            raise InputDataError("assignment rule 'gate' needs gates (a layer with compound_id).")
        require_columns(gates, ["compound_id"], what="gates")
        g = gpd.sjoin(gates[["compound_id", gates.geometry.name]], com, predicate="within", how="inner")
        votes = g.groupby(["compound_id", "community_code"]).size().rename("n").reset_index()
        votes = votes.sort_values(["compound_id", "n", "community_code"], ascending=[True, False, True])
        top = votes.groupby("compound_id").head(2)
        clear = top.groupby("compound_id")["n"].agg(lambda s: len(s) == 1 or s.iloc[0] > s.iloc[1])
        winners = votes.drop_duplicates("compound_id").set_index("compound_id")["community_code"]
        ok = clear[clear].index.intersection(compounds.index)
        code.loc[ok] = winners.loc[ok].to_numpy()
        decided.loc[ok] = "gate"
    n_out = int(code.isna().sum())
    if n_out:
        logger.warning("%d compounds lie outside every community and are not counted", n_out)
    return pd.DataFrame({"community_code": code, "straddles": straddles, "rule": decided})


def count_households_by_community(
    compounds: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    rule: AssignRule = "centroid",
    gates: gpd.GeoDataFrame | None = None,
    households_col: str = "households",
    high_rise_floors: int = 10,
) -> pd.DataFrame:
    """Households, compounds, straddling compounds and the high-rise household share per community.

    Returns a frame indexed by ``community_code`` (every community, zeros where empty):
    ``households``, ``compounds``, ``straddling_compounds``, ``high_rise_share`` (share of
    households in buildings of ``high_rise_floors`` or more floors; NaN without a ``floors``
    column).
    """
    a = assign_compounds(compounds, communities, rule=rule, gates=gates)
    hh = pd.to_numeric(compounds[households_col]).astype(np.int64)
    frame = pd.DataFrame({"code": a["community_code"], "h": hh, "s": a["straddles"]})
    if "floors" in compounds.columns:
        tall = pd.to_numeric(compounds["floors"], errors="coerce") >= high_rise_floors
        frame["t"] = hh.where(tall, 0)
    g = frame.dropna(subset=["code"]).groupby("code")
    out = pd.DataFrame(index=communities.index.astype(str))
    out["households"] = g["h"].sum().reindex(out.index).fillna(0).astype(np.int64)
    out["compounds"] = g.size().reindex(out.index).fillna(0).astype(np.int64)
    out["straddling_compounds"] = g["s"].sum().reindex(out.index).fillna(0).astype(np.int64)
    out["high_rise_share"] = (g["t"].sum() / g["h"].sum()).reindex(out.index) if "t" in frame else np.nan
    out.index.name = "community_code"
    out.attrs["assignment"] = a
    return out
