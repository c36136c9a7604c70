"""Network metres from every compound to a set of points, through the compound's best gate.

The same walking rule as :func:`gis_planner.coverage.reach`: residents leave a gated compound
through whichever gate gives the shorter walk (straight line from the compound point to the gate,
then the street network); a compound without gates starts at its point (a polygon at a point
inside it). Used wherever a compound x facility (or candidate) matrix is needed, so siting,
elderly-care scores and reachability share one baseline.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from gis_planner._validate import require_same_crs
from gis_planner.coverage.reach import _origins
from gis_planner.network.graph import WalkNetwork
from gis_planner.network.snap import snap_points
from gis_planner.network.travel import od_costs


def compound_costs(
    network: WalkNetwork,
    compounds: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    cutoff_m: float,
    gates: gpd.GeoDataFrame | None = None,
    snap_tolerance_m: float,
) -> sp.csr_matrix:
    """Sparse compounds x points matrix of walking metres (gate access + network), within ``cutoff_m``.

    Parameters
    ----------
    network
        The walk network; compounds, gates and points share its metric CRS.
    compounds
        Compounds (points or polygons), any index.
    points
        Destinations (facilities or candidate sites), points.
    cutoff_m
        Largest walk kept, metres (inclusive), gate access included.
    gates
        Optional gates (``compound_id`` column naming a compound's index).
    snap_tolerance_m
        Points farther than this (m) from every edge get no entries.

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape (len(compounds), len(points)), in their row orders; the package's sparse-cost
        convention: a stored entry (an exact 0 included) is within reach, a missing one is not.
    """
    require_same_crs(points, compounds, what_a="points", what_b="compounds")
    n_c, n_p = len(compounds), len(points)
    if n_c == 0 or n_p == 0:
        return sp.csr_matrix((n_c, n_p))
    origins = _origins(compounds, gates)
    o_gdf = gpd.GeoDataFrame(origins[["compound_pos"]], geometry=origins["geometry"].to_numpy(),
                             crs=compounds.crs)
    o_snap = snap_points(network, o_gdf, tolerance_m=snap_tolerance_m)
    p_snap = snap_points(network, points, tolerance_m=snap_tolerance_m)
    access = origins["access_m"].to_numpy(float)
    od = od_costs(network, o_snap, p_snap, cutoff_m=cutoff_m).tocoo()
    total = od.data + access[od.row]
    keep = total <= cutoff_m
    rows = origins["compound_pos"].to_numpy(np.int64)[od.row[keep]]
    cols, vals = od.col[keep], total[keep]
    # several gates of one compound: keep the shortest walk per (compound, point)
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    out = sp.csr_matrix((vals[first], (rows[first], cols[first])), shape=(n_c, n_p))
    out.sort_indices()
    return out
