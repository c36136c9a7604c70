"""Siting models on GeoDataFrames: classes with ``from_costs``/``from_network`` and ``solve``.

>>> import numpy as np
>>> model = MaxCoverageSiting.from_costs(np.array([[0.0, 900.0], [1500.0, 100.0]]),
...                                      weights=[10, 5], max_cost_m=1000.0)
>>> model.solve(n_sites=1).solve_result.objective
15.0
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from gis_planner._errors import InputDataError, NothingToSiteError
from gis_planner._units import walk_distance_m
from gis_planner._validate import (
    require_columns,
    require_metric_crs,
    require_points,
    require_same_crs,
)
from gis_planner.siting import matrix
from gis_planner.siting._problem import to_csr

if TYPE_CHECKING:
    from gis_planner.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class SitingResult:
    """Immutable outcome of :meth:`SitingModel.solve`.

    Attributes
    ----------
    chosen
        GeoDataFrame of the newly chosen candidates (index ``candidate_id``) with
        ``weight_newly_covered``, ``catchment_weight``, ``catchment_points``,
        ``mean_cost_m`` and explanation texts (see
        :func:`gis_planner.siting.explain.explain_sites`).
    demand
        The demand frame (same index) plus ``assigned_site``, ``cost_m``, ``covered_before``
        and ``covered_after``.
    solve_result
        The cost-matrix :class:`~gis_planner.siting.matrix.SolveResult` (status, bound, gap …).
    model, n_sites, max_cost_m, walk_minutes, speed_kmh, demand_col, candidate_source, category
        The inputs that produced the result, for reports.
    summary
        Whole-area figures: total weight, covered weight before/after and their shares.
    """

    chosen: gpd.GeoDataFrame
    demand: pd.DataFrame
    solve_result: matrix.SolveResult
    model: str
    n_sites: int | None
    max_cost_m: float | None
    walk_minutes: float | None
    speed_kmh: float | None
    demand_col: str
    candidate_source: str
    category: str | None
    summary: Mapping[str, float] = field(default_factory=dict)
    group_kind: str = "group"

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", MappingProxyType(dict(self.summary)))

    @property
    def status(self) -> str:
        """Solver status (``optimal``, ``node_limit``, ``time_limit``, ``heuristic``)."""
        return self.solve_result.status

    def explain(self, lang: Lang = "zh") -> pd.DataFrame:
        """One row per chosen site with its explanation in ``lang`` (see ``explain_sites``)."""
        from gis_planner.siting.explain import explain_sites

        return explain_sites(self, lang=lang)


@dataclass(frozen=True)
class SitingModel:
    """A siting problem: costs (demand x candidates, metres) with the frames they index.

    Build it with :meth:`from_costs` (any cost matrix) or :meth:`from_network` (walk network).
    The model is not changed by :meth:`solve`.
    """

    costs: sp.csr_matrix
    weights: np.ndarray
    demand: pd.DataFrame
    candidates: pd.DataFrame
    existing: np.ndarray
    max_cost_m: float | None = None
    walk_minutes: float | None = None
    speed_kmh: float | None = None
    demand_col: str = "weight"
    candidate_source: str = "costs"
    category: str | None = None
    kind: ClassVar[str] = ""

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_costs(
        cls,
        costs: Any,
        *,
        weights: Any = None,
        demand: pd.DataFrame | None = None,
        candidates: pd.DataFrame | None = None,
        demand_col: str | None = None,
        max_cost_m: float | None = None,
        existing: Any = None,
        walk_minutes: float | None = None,
        speed_kmh: float | None = None,
        category: str | None = None,
    ) -> SitingModel:
        """Model from a cost matrix in metres (demand x candidates; sparse: missing = out of reach).

        Parameters
        ----------
        costs
            Dense array (``inf`` = out of reach) or scipy sparse matrix, metres.
        weights
            Demand weights; else ``demand[demand_col]``; else ones.
        demand, candidates
            Frames whose rows the matrix rows/columns stand for (default: plain numbered frames).
            A boolean ``existing`` column in ``candidates`` marks already open sites.
        max_cost_m
            Coverage distance in metres, inclusive (MCLP, LSCP).
        existing
            Candidate positions already open (in addition to ``candidates["existing"]``).
        """
        m = to_csr(costs)
        n_d, n_c = m.shape
        if demand is None:
            demand = pd.DataFrame(index=pd.Index([str(i) for i in range(n_d)], name="demand_id"))
        if candidates is None:
            candidates = pd.DataFrame(
                {"name": [f"candidate {j}" for j in range(n_c)], "kind": "costs"},
                index=pd.Index([str(j) for j in range(n_c)], name="candidate_id"),
            )
        if len(demand) != n_d or len(candidates) != n_c:
            raise InputDataError(
                f"cost matrix is {n_d} x {n_c} but demand has {len(demand)} rows and candidates "
                f"{len(candidates)}; rows must be demand, columns candidates."
            )
        if weights is None and demand_col is not None:
            require_columns(demand, [demand_col], what="demand")
            weights = pd.to_numeric(demand[demand_col]).to_numpy(dtype=float)
        w = np.ones(n_d) if weights is None else np.asarray(weights, dtype=float).ravel()
        if len(w) != n_d:
            raise InputDataError(f"weights: {len(w)} values for {n_d} demand rows.")
        ex = np.zeros(n_c, dtype=bool)
        if "existing" in candidates.columns:
            ex |= candidates["existing"].fillna(False).astype(bool).to_numpy()
        if existing is not None:
            ex[np.asarray(existing, dtype=int)] = True
        src = (
            ",".join(sorted(set(candidates["kind"].astype(str))))
            if "kind" in candidates
            else "costs"
        )
        return cls(
            costs=m,
            weights=w,
            demand=demand,
            candidates=candidates,
            existing=np.flatnonzero(ex),
            max_cost_m=max_cost_m,
            walk_minutes=walk_minutes,
            speed_kmh=speed_kmh,
            demand_col=demand_col or "weight",
            candidate_source=src,
            category=category,
        )

    @classmethod
    def from_network(
        cls,
        network: WalkNetwork,
        demand: gpd.GeoDataFrame,
        candidates: gpd.GeoDataFrame,
        *,
        walk_minutes: float,
        speed_kmh: float,
        demand_col: str = "households",
        weights: pd.Series | None = None,
        facilities: gpd.GeoDataFrame | None = None,
        category: str | None = None,
        cutoff_m: float | None = None,
        snap_tolerance_m: float = 250.0,
        gates: gpd.GeoDataFrame | None = None,
    ) -> SitingModel:
        """Model from a walk network: costs are network metres from demand to candidates.

        Parameters
        ----------
        network
            The walk network (metric CRS).
        demand
            Compounds (points, or polygons snapped at a point inside them), same CRS, with
            ``demand_col`` unless ``weights`` given.
        candidates
            Candidate sites (see :mod:`gis_planner.siting.candidates`), same CRS.
        walk_minutes
            Walk budget in minutes, inclusive; with ``speed_kmh`` gives the coverage distance.
        speed_kmh
            Walking speed in km/h.
        weights
            Demand weights indexed like ``demand`` (e.g. from ``demand_weights``).
        facilities
            Existing facilities; those of ``category`` are added as open candidates (kind
            ``existing``) so coverage before/after is reported.
        cutoff_m
            Network search cut-off in metres (default: the coverage distance; give a larger
            one for p-median/p-center so every demand point reaches a candidate).
        snap_tolerance_m
            Points farther than this from any road are not snapped (and reach nothing).
        gates
            Compound gates (``compound_id`` column): residents leave through their best gate,
            as in :func:`gis_planner.coverage.reach`, so siting and reachability share one
            baseline.

        Raises
        ------
        InputDataError, CRSError
            Bad geometries, CRS mismatch, missing columns.
        """
        from gis_planner.coverage.costs import compound_costs

        if len(demand) == 0:
            raise InputDataError("demand is empty; expected at least one compound.")
        require_points(candidates, what="candidates")
        require_metric_crs(demand, what="demand")
        require_same_crs(demand, network.edges, what_a="demand", what_b="network")
        require_same_crs(candidates, network.edges, what_a="candidates", what_b="network")
        cand = candidates.copy()
        if "kind" not in cand.columns:
            cand["kind"] = "layer"
        cand["existing"] = False
        if facilities is not None:
            require_same_crs(facilities, network.edges, what_a="facilities", what_b="network")
            fac = facilities
            if category is not None:
                require_columns(facilities, ["category"], what="facilities")
                fac = facilities[facilities["category"].astype(str) == category]
            if len(fac):
                fac = gpd.GeoDataFrame(
                    {
                        "name": fac["name"].astype(str).to_numpy() if "name" in fac else "",
                        "kind": "existing",
                        "existing": True,
                    },
                    geometry=fac.geometry.to_numpy(),
                    crs=fac.crs,
                    index=pd.Index(
                        [f"existing_{i}" for i in fac.index.astype(str)], name="candidate_id"
                    ),
                )
                cand = pd.concat([cand, fac])
        max_cost_m = walk_distance_m(walk_minutes, speed_kmh)
        cut = max_cost_m if cutoff_m is None else max(cutoff_m, max_cost_m)
        costs = compound_costs(network, demand, cand, cutoff_m=cut, gates=gates,
                               snap_tolerance_m=snap_tolerance_m)
        w = None
        if weights is not None:
            w = pd.Series(weights).reindex(demand.index).to_numpy(dtype=float)
        model = cls.from_costs(
            costs,
            weights=w,
            demand=demand,
            candidates=cand,
            demand_col=None if w is not None else demand_col,
            max_cost_m=max_cost_m,
            walk_minutes=walk_minutes,
            speed_kmh=speed_kmh,
            category=category,
        )
        name = demand_col if w is None else str(getattr(weights, "name", None) or demand_col)
        return replace(model, demand_col=name)

    # ------------------------------------------------------------------ solving
    def _solve_matrix(
        self, n_sites: int | None, constraints: matrix.SiteConstraints
    ) -> matrix.SolveResult:
        """Run the cost-matrix model of the subclass (the base class has none)."""
        raise TypeError(
            "SitingModel is the shared base; use MaxCoverageSiting, CoverageSetSiting, "
            "PMedianSiting or PCenterSiting."
        )

    def solve(
        self,
        n_sites: int | None = None,
        *,
        forced: Any = None,
        excluded: Any = None,
        groups: pd.Series | str | None = None,
        min_per_group: int | Mapping[Hashable, int] | None = None,
        max_per_group: int | Mapping[Hashable, int] | None = None,
        group_names: Mapping[Hashable, str] | None = None,
        group_kind: str = "group",
        capacity_col: str | None = None,
        demand_amount: Any = None,
        time_limit_s: float | None = None,
        mip_gap: float | None = None,
    ) -> SitingResult:
        """Solve and return a new :class:`SitingResult` (the model is unchanged).

        Parameters
        ----------
        n_sites
            New sites to open (not for LSCP, which minimises the count).
        forced, excluded
            Candidate ids (index labels) that must / must not be chosen.
        groups
            Unit label per candidate (Series indexed like ``candidates``, or a column name).
        min_per_group, max_per_group, group_names, group_kind
            Bounds per unit and how units are named in messages (see ``siting.matrix``).
        capacity_col
            Column of ``candidates`` with capacities (e.g. places); demand to serve is
            ``demand_amount`` or the weights.
        time_limit_s, mip_gap
            Solver limits (seconds; relative gap).

        Raises
        ------
        InfeasibleError
            The binding constraint is named.
        """
        cand = self.candidates
        pos = pd.Series(np.arange(len(cand)), index=cand.index.astype(str))

        def to_pos(ids: Any, what: str) -> np.ndarray | None:
            if ids is None:
                return None
            ids = [str(i) for i in ids]
            missing = [i for i in ids if i not in pos.index]
            if missing:
                raise InputDataError(f"{what}: unknown candidate ids {missing[:5]}.")
            return pos[ids].to_numpy()

        g: np.ndarray | None = None
        if groups is not None:
            by = cand[groups] if isinstance(groups, str) else pd.Series(groups).reindex(cand.index)
            g = by.astype(object).where(by.notna(), None).to_numpy()
        caps = None
        if capacity_col is not None:
            require_columns(cand, [capacity_col], what="candidates")
            caps = pd.to_numeric(cand[capacity_col]).fillna(0).to_numpy(dtype=float)
        constraints = matrix.SiteConstraints(
            existing=self.existing,
            forced=to_pos(forced, "forced"),
            excluded=to_pos(excluded, "excluded"),
            groups=g,
            min_per_group=min_per_group,
            max_per_group=max_per_group,
            group_names=group_names,
            group_kind=group_kind,
            capacities=caps,
            demand=demand_amount,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
        )
        res = self._solve_matrix(n_sites, constraints)
        return self._result(res, n_sites, group_kind=group_kind, groups=g, group_names=group_names)

    def coverage_distance_m(self) -> float | None:
        """Distance in metres counted as covered (inclusive), if any."""
        return self.max_cost_m

    def _result(
        self,
        res: matrix.SolveResult,
        n_sites: int | None,
        *,
        group_kind: str,
        groups: Any,
        group_names: Any,
    ) -> SitingResult:
        cand = self.candidates
        w = self.weights
        reach = (
            self.costs if self.max_cost_m is None else matrix.within(self.costs, self.max_cost_m)
        )
        ex = np.zeros(len(cand), dtype=bool)
        ex[self.existing] = True
        open_mask = np.zeros(len(cand), dtype=bool)
        open_mask[res.open] = True

        def covered(mask: np.ndarray) -> np.ndarray:
            if not mask.any():
                return np.zeros(reach.shape[0], dtype=bool)
            return np.asarray(reach[:, np.flatnonzero(mask)].getnnz(axis=1)).ravel() > 0

        before = covered(ex)
        after = (
            res.covered
            if res.covered is not None and res.model != "p_center"
            else covered(open_mask)
        )
        ids = cand.index.astype(str).to_numpy()
        dem = self.demand.copy()
        dem["assigned_site"] = np.where(
            res.assignment >= 0, ids[np.maximum(res.assignment, 0)], np.array(None, dtype=object)
        )
        dem["cost_m"] = res.assigned_cost_m
        dem["covered_before"] = before
        dem["covered_after"] = after
        dem["weight"] = w
        chosen = cand.iloc[res.chosen].copy()
        chosen.index = pd.Index(chosen.index.astype(str), name="candidate_id")
        extra = _catchments(res, w, after & ~before, chosen.index)
        for c in extra.columns:
            chosen[c] = extra[c].to_numpy() if len(extra) else []
        if groups is not None:
            chosen["group"] = np.asarray(groups, dtype=object)[res.chosen]
            gdf_names = dict(group_names or {})
            chosen["group_name"] = [gdf_names.get(x, x) for x in chosen["group"]]
            existing_groups = set(np.asarray(groups, dtype=object)[self.existing]) - {None}
            chosen["group_had_site"] = [x in existing_groups for x in chosen["group"]]
        total = float(w.sum())
        summary = {
            "total_weight": total,
            "covered_weight_before": float(w[before].sum()),
            "covered_weight_after": float(w[after].sum()),
            "covered_share_before": float(w[before].sum() / total) if total else float("nan"),
            "covered_share_after": float(w[after].sum() / total) if total else float("nan"),
            "n_existing": len(self.existing),
            "n_chosen": len(res.chosen),
        }
        if isinstance(cand, gpd.GeoDataFrame):
            chosen = gpd.GeoDataFrame(chosen, geometry=cand.geometry.name, crs=cand.crs)
        return SitingResult(
            chosen=chosen,
            demand=dem,
            solve_result=res,
            model=res.model,
            n_sites=n_sites,
            max_cost_m=self.max_cost_m,
            walk_minutes=self.walk_minutes,
            speed_kmh=self.speed_kmh,
            demand_col=self.demand_col,
            candidate_source=self.candidate_source,
            category=self.category,
            summary=summary,
            group_kind=group_kind,
        )


def _catchments(
    res: matrix.SolveResult, w: np.ndarray, newly: np.ndarray, index: pd.Index
) -> pd.DataFrame:
    """Per chosen site: weight newly covered, catchment weight and points, mean cost (m)."""
    rows = []
    for j in res.chosen:
        mine = res.assignment == j
        rows.append(
            {
                "weight_newly_covered": float(w[mine & newly].sum()),
                "catchment_weight": float(w[mine].sum()),
                "catchment_points": int(mine.sum()),
                "mean_cost_m": float(np.average(res.assigned_cost_m[mine], weights=w[mine]))
                if w[mine].sum() > 0
                else float("nan"),
            }
        )
    return pd.DataFrame(rows, index=index)


class MaxCoverageSiting(SitingModel):
    """Maximal covering location (MCLP): ``n_sites`` new sites covering the most demand."""

    kind: ClassVar[str] = "mclp"

    def _solve_matrix(
        self, n_sites: int | None, constraints: matrix.SiteConstraints
    ) -> matrix.SolveResult:
        if n_sites is None:
            raise InputDataError("MaxCoverageSiting.solve needs n_sites (number of new sites).")
        return matrix.mclp(
            self.costs, self.weights, p=n_sites, max_cost_m=self.max_cost_m, constraints=constraints
        )


class CoverageSetSiting(SitingModel):
    """Location set covering (LSCP): the fewest new sites so all demand is covered."""

    kind: ClassVar[str] = "lscp"

    def _solve_matrix(
        self, n_sites: int | None, constraints: matrix.SiteConstraints
    ) -> matrix.SolveResult:
        if n_sites is not None:
            raise InputDataError(
                "CoverageSetSiting.solve minimises the number of sites; drop n_sites."
            )
        return matrix.lscp(
            self.costs, self.weights, max_cost_m=self.max_cost_m, constraints=constraints
        )


class PMedianSiting(SitingModel):
    """p-median: ``n_sites`` new sites minimising weighted walking distance."""

    kind: ClassVar[str] = "p_median"

    def _solve_matrix(
        self, n_sites: int | None, constraints: matrix.SiteConstraints
    ) -> matrix.SolveResult:
        if n_sites is None:
            raise InputDataError("PMedianSiting.solve needs n_sites (number of new sites).")
        return matrix.p_median(self.costs, self.weights, p=n_sites, constraints=constraints)


class PCenterSiting(SitingModel):
    """p-center: ``n_sites`` new sites minimising the longest walk to the nearest site."""

    kind: ClassVar[str] = "p_center"

    def _solve_matrix(
        self, n_sites: int | None, constraints: matrix.SiteConstraints
    ) -> matrix.SolveResult:
        if n_sites is None:
            raise InputDataError("PCenterSiting.solve needs n_sites (number of new sites).")
        return matrix.p_center(self.costs, self.weights, p=n_sites, constraints=constraints)


MODELS: dict[str, type[SitingModel]] = {
    "mclp": MaxCoverageSiting,
    "lscp": CoverageSetSiting,
    "p-median": PMedianSiting,
    "p-center": PCenterSiting,
}


def elderly_centres_per_subdistrict(
    model: SitingModel,
    subdistricts: gpd.GeoDataFrame,
    *,
    category: str = "subdistrict_elderly_centre",
    per_subdistrict: int = 1,
    urban_only: bool = True,
    time_limit_s: float | None = None,
) -> SitingResult:
    """One new elderly-care centre in every urban sub-district that has none, jointly optimal.

    Sub-districts (``kind == "subdistrict"`` when ``urban_only``) whose polygon holds no
    existing candidate of the model (``candidates["existing"]``, e.g. facilities of
    ``category`` added by ``from_network``) get exactly ``per_subdistrict`` new sites, chosen
    among the candidates inside them; candidates elsewhere are excluded. The model's objective
    applies across all of them at once (MCLP: most elderly demand covered; p-median: least
    weighted distance).

    Parameters
    ----------
    model
        A :class:`MaxCoverageSiting` or :class:`PMedianSiting` built with candidate geometries.
    subdistricts
        Sub-district polygons (index ``subdistrict_code``; ``name``, ``kind``), same CRS.
    per_subdistrict
        New centres per lacking sub-district.

    Returns
    -------
    SitingResult
        ``chosen`` has ``group`` (sub-district code), ``group_name`` and explanations.

    Raises
    ------
    InfeasibleError
        A lacking sub-district without any candidate (named, with its code).
    """
    cand = model.candidates
    if not isinstance(cand, gpd.GeoDataFrame):
        raise InputDataError(
            "model candidates have no geometry; build the model from GeoDataFrames."
        )
    require_same_crs(cand, subdistricts, what_a="candidates", what_b="sub-districts")
    subs = subdistricts
    if urban_only and "kind" in subs.columns:
        subs = subs[subs["kind"].astype(str) == "subdistrict"]
    codes = subs.index.astype(str)
    zones = gpd.GeoDataFrame(
        {"_code": list(codes)}, geometry=subs.geometry.to_numpy(), crs=subs.crs
    )
    joined = gpd.sjoin(cand[[cand.geometry.name]], zones, predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    member = joined["_code"].reindex(cand.index)
    ex = np.zeros(len(cand), dtype=bool)
    ex[model.existing] = True
    has = set(member[ex].dropna().astype(str))
    lacking = [c for c in codes if c not in has]
    names = dict(zip(codes, subs["name"].astype(str), strict=True)) if "name" in subs else {}
    logger.info("%d of %d sub-districts lack a %s", len(lacking), len(codes), category)
    if not lacking:
        raise NothingToSiteError(f"every sub-district already has a {category}; nothing to site.")
    group = member.where(member.astype(str).isin(lacking) | ex, None)
    excluded = cand.index[(group.isna() & ~ex)].astype(str)
    return model.solve(
        per_subdistrict * len(lacking),
        excluded=list(excluded),
        groups=group,
        min_per_group=dict.fromkeys(lacking, per_subdistrict),
        max_per_group=dict.fromkeys(lacking, per_subdistrict),
        group_names=names,
        group_kind="街道",
        time_limit_s=time_limit_s,
    )
