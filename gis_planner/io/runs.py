"""Read back the output folder of an earlier run (``gis-planner report`` or ``demo``).

A run folder holds ``results.gpkg`` (the compounds with their reach columns in layer
``households``, the boundaries in ``subdistricts`` and ``communities``) and ``report.xlsx``
(every report table, one sheet each). :func:`read_run` opens both, with the same checks as
every other input (a folder from elsewhere is third-party data).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis_planner._errors import InputDataError
from gis_planner.io._open import check_input_path, check_zip_archive, read_vector, vector_layers

logger = logging.getLogger(__name__)

#: The files of a run folder that :func:`read_run` reads.
RUN_RESULTS = "results.gpkg"
RUN_WORKBOOK = "report.xlsx"
#: The GeoPackage layer holding the compounds with their reach columns.
HOUSEHOLDS_LAYER = "households"
#: Optional boundary layers read when present.
BOUNDARY_LAYERS = ("subdistricts", "communities")


@dataclass(frozen=True)
class RunOutputs:
    """What :func:`read_run` reads from a run folder.

    Attributes
    ----------
    folder
        The run folder as given.
    households
        The compounds with their reach columns (``<c>_covered``, ``<c>_dist_m`` …), indexed by
        ``compound_id`` (strings), in the run's metric CRS.
    boundaries
        ``subdistricts`` and ``communities`` layers when the run wrote them.
    sheets
        Every sheet of ``report.xlsx`` by name, as written (display strings).
    """

    folder: Path
    households: gpd.GeoDataFrame
    boundaries: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)


def read_run(folder: str | os.PathLike[str]) -> RunOutputs:
    """Read the output folder of ``gis-planner report`` or ``gis-planner demo``.

    Parameters
    ----------
    folder
        A folder holding ``results.gpkg`` and ``report.xlsx``.

    Returns
    -------
    RunOutputs
        The compounds with their reach columns, the boundary layers and the report tables.

    Raises
    ------
    InputDataError
        A missing folder or file, a GeoPackage without the ``households`` layer or its
        ``compound_id``/``households`` columns, duplicate compound ids, a layer without a CRS,
        or a workbook that cannot be read.
    """
    base = check_input_path(folder, what=str(folder))
    if not base.is_dir():
        raise InputDataError(f"{folder}: not a folder; expected the output folder of "
                             "gis-planner report or demo.")
    gpkg = base / RUN_RESULTS
    xlsx = base / RUN_WORKBOOK
    for f in (gpkg, xlsx):
        if not f.is_file():
            raise InputDataError(f"{folder}: {f.name} not found; expected the output folder of "
                                 "gis-planner report or demo.")
    layers = vector_layers(gpkg, what=str(gpkg))
    if HOUSEHOLDS_LAYER not in layers:
        raise InputDataError(f"{gpkg}: no layer {HOUSEHOLDS_LAYER!r} (found {', '.join(layers) or 'none'}); "
                             "expected the results of gis-planner report.")
    homes = _layer(gpkg, HOUSEHOLDS_LAYER, id_col="compound_id", need=("households",))
    boundaries = {name: _layer(gpkg, name) for name in BOUNDARY_LAYERS if name in layers}
    check_zip_archive(xlsx, what=str(xlsx))
    try:
        sheets = pd.read_excel(xlsx, sheet_name=None, engine="openpyxl", dtype=str)
    except Exception as exc:  # openpyxl: BadZipFile, KeyError, InvalidFileException …
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise InputDataError(f"{xlsx}: cannot read as an Excel workbook ({msg}).") from exc
    logger.info("%s: %d compounds, layers %s, %d report tables", folder, len(homes),
                ", ".join(boundaries) or "none", len(sheets))
    return RunOutputs(folder=Path(folder), households=homes, boundaries=boundaries,
                      sheets={str(k): v for k, v in sheets.items()})


def _layer(gpkg: Path, layer: str, *, id_col: str | None = None,
           need: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """One layer of a results GeoPackage, checked: a CRS, the ``need`` columns, unique string
    ids in ``id_col`` (made the index)."""
    what = f"{gpkg} [layer={layer}]"
    gdf = read_vector(gpkg, layer=layer, what=what)
    if gdf.crs is None:
        raise InputDataError(f"{what}: no coordinate reference system; expected the metric CRS "
                             "the run wrote.")
    missing = [c for c in (*([id_col] if id_col else []), *need) if c not in gdf.columns]
    if missing:
        raise InputDataError(f"{what}: column(s) {', '.join(map(repr, missing))} missing; "
                             "expected the results of gis-planner report.")
    if id_col is None:
        return gdf
    ids = gdf[id_col].astype(str)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise InputDataError(f"{what}: column {id_col!r} has {len(dup)} duplicate id(s) "
                             f"({', '.join(dup.head(3))}); expected one row per compound.")
    return gdf.assign(**{id_col: ids}).set_index(id_col)
