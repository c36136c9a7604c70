"""``gis-planner check``: compare community data with a planning profile's indicators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gis_planner.cli._common import CATEGORIES_HELP, FACILITY_COORDS_HELP

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

_LON = ("lon", "lng", "longitude", "经度", "x")
_LAT = ("lat", "latitude", "纬度", "y")
_CODES = {
    "communities": "community_code",
    "subdistricts": "subdistrict_code",
    "facilities": "facility_id",
}


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def read_layer(
    path: Path, what: str, *, coords: str | None = None, target_crs: Any = None
) -> gpd.GeoDataFrame:
    """Read a vector layer (GeoPackage, GeoJSON, Shapefile) or a CSV of lon/lat points.

    The result is in ``target_crs`` or, when None, in the layer's projected CRS or the metric
    CRS chosen for its extent; ids (``community_code`` ...) become a string index.

    Raises
    ------
    InputDataError, CRSError
        Missing file, no CRS, CSV without lon/lat columns or without ``--coords``.
    """
    import geopandas as gpd
    import numpy as np

    from gis_planner._errors import CRSError, InputDataError
    from gis_planner.io.coords import to_wgs84
    from gis_planner.io.crs import choose_metric_crs

    if not path.is_file():
        raise InputDataError(f"{path}: {what} file not found.")
    if path.suffix.lower() in (".csv", ".txt"):
        from gis_planner.io.tables import read_table

        df = read_table(path)
        lon_c, lat_c = _pick(list(df.columns), _LON), _pick(list(df.columns), _LAT)
        if lon_c is None or lat_c is None:
            raise InputDataError(
                f"{path}: {what} CSV needs lon and lat columns; found {', '.join(df.columns)}."
            )
        if coords is None:
            raise InputDataError(
                f"{path}: say which coordinates the lon/lat columns hold with "
                "--coords wgs84|gcj02|bd09|cgcs2000 (Amap/Tencent: gcj02, Baidu: bd09)."
            )
        lon = np.asarray(df[lon_c].astype(float))
        lat = np.asarray(df[lat_c].astype(float))
        try:
            lon, lat = to_wgs84(lon, lat, coords)
        except ValueError as exc:
            raise InputDataError(f"--coords: {exc}") from exc
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    else:
        from gis_planner.io import read_vector, vector_layers

        # the io opener: format from the extension, content checked, no network access
        layers = vector_layers(path) if path.suffix.lower() == ".gpkg" else []
        layer = "households" if "households" in layers else None
        gdf = read_vector(path, layer=layer, what=f"{path} ({what} layer)")
        if gdf.crs is None:
            raise CRSError(
                f"{path}: the {what} layer has no CRS; set one (e.g. EPSG:4326) and retry."
            )
    if target_crs is None:
        target_crs = gdf.crs if gdf.crs.is_projected else choose_metric_crs(tuple(gdf.to_crs("EPSG:4326").total_bounds))
    gdf = gdf.to_crs(target_crs)
    code = _CODES.get(what)
    if code and code in gdf.columns:
        gdf[code] = gdf[code].astype(str)
        gdf = gdf.set_index(code, drop=False)
        gdf.index.name = code
    return gdf


def _read_check(path: Path) -> pd.DataFrame:
    import pandas as pd

    from gis_planner._errors import InputDataError
    from gis_planner.io.tables import read_table

    df = read_table(path, what=str(path))
    for col in ("community_code", "households", "status"):
        if col not in df.columns:
            raise InputDataError(
                f"{path}: community size check needs column {col!r}; found {', '.join(df.columns)}."
            )
    out = df.copy()
    out["households"] = pd.to_numeric(out["households"], errors="coerce")
    return out


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to ``app``."""

    @app.command("check")
    def check(
        profile: Annotated[str, typer.Option("--profile", help="Profile id or .toml path.")],
        out: Annotated[Path, typer.Option("--out", help="Output table (.csv or .xlsx).")],
        communities: Annotated[
            Path | None,
            typer.Option(
                "--communities",
                help="Communities layer (polygons; community_code, urban_rural) or CSV.",
            ),
        ] = None,
        attributes: Annotated[
            Path | None,
            typer.Option(
                "--attributes", help="Community attribute table (.csv or the .xlsx template)."
            ),
        ] = None,
        facilities: Annotated[
            list[Path] | None,
            typer.Option(
                "--facilities", metavar="<path>",
                help="Facility points with a category or Amap/OSM type (layer or lon/lat CSV); "
                "repeat the option for several files.",
            ),
        ] = None,
        facility_coords: Annotated[
            list[str] | None,
            typer.Option(
        "--facility-coords", metavar="<str>", help=FACILITY_COORDS_HELP),
        ] = None,
        categories: Annotated[
            Path | None, typer.Option("--categories", help=CATEGORIES_HELP)
        ] = None,
        coords: Annotated[
            str | None,
            typer.Option(
                "--coords", help="Coordinates of a CSV's lon/lat: wgs84, gcj02, bd09 or cgcs2000."
            ),
        ] = None,
        subdistricts: Annotated[
            Path | None,
            typer.Option("--subdistricts", help="Sub-district polygons (subdistrict_code, kind)."),
        ] = None,
        reach: Annotated[
            Path | None,
            typer.Option("--reach", help="Reach result (its households layer, e.g. reach.gpkg)."),
        ] = None,
        community_check: Annotated[
            Path | None,
            typer.Option(
                "--community-check",
                help="Community size check CSV (community_code, households, status).",
            ),
        ] = None,
        overwrite: Annotated[
            bool, typer.Option("--overwrite", help="Replace an existing --out.")
        ] = False,
    ) -> None:
        """Check indicators of a profile; write one row per indicator and unit.

        Each row holds the value, the target and pass / fail / not assessable; rows that cannot
        be assessed name the data to add. Get the attribute table to fill with
        `gis-planner template`. With --facilities, OUT_facility_audit.csv beside OUT says what
        became of every facility row.

        \b
        $ gis-planner check --profile taizhou-2023 \\
            --attributes data/demo/community_attributes.csv --out check.xlsx
        $ gis-planner check --profile taizhou-2023 --communities data/demo/communities.geojson \\
            --facilities data/demo/facilities.csv --coords gcj02 \\
            --subdistricts data/demo/subdistricts.geojson --out check.csv
        """
        from gis_planner._errors import InputDataError
        from gis_planner.cli._common import audit_path, declare, read_facilities
        from gis_planner.io.write import write_facility_audit
        from gis_planner.policy import load_profile
        from gis_planner.policy.compliance import (
            check_compliance,
            read_community_attributes,
            write_compliance,
        )

        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise InputDataError(f"--out: {out}: use a .csv or .xlsx file name.")
        if out.exists() and not overwrite:
            raise InputDataError(f"{out} exists; pass --overwrite to replace it.")
        from gis_planner.cli._common import check_outputs

        outputs = [out, *([audit_path(out)] if facilities else [])]
        check_outputs(outputs, inputs=(communities, attributes, *(facilities or []), subdistricts, reach,
                                       community_check, categories), overwrite=overwrite)
        declare(categories)
        prof = load_profile(profile)
        crs = None
        comm = subs = fac = None
        if communities is not None:
            if communities.suffix.lower() in (".csv", ".txt"):
                from gis_planner.io.tables import read_table

                comm = read_table(communities)
            else:
                comm = read_layer(communities, "communities")
                crs = comm.crs
        if subdistricts is not None:
            subs = read_layer(subdistricts, "subdistricts", target_crs=crs)
            crs = subs.crs
        audit = None
        if facilities:
            fac, audit = read_facilities(facilities, facility_coords, coords, metric_crs=crs)
        attrs = (
            read_community_attributes(attributes, profile=prof) if attributes is not None else None
        )
        reach_hh = None
        if reach is not None:
            import pandas as pd

            if reach.suffix.lower() in (".csv", ".txt"):
                from gis_planner.io.tables import read_table

                reach_hh = read_table(reach)
            else:
                reach_hh = pd.DataFrame(read_layer(reach, "reach").drop(columns="geometry"))
        chk = _read_check(community_check) if community_check is not None else None
        result = check_compliance(
            prof,
            communities=comm,
            attributes=attrs,
            reach=reach_hh,
            community_check=chk,
            facilities=fac,
            subdistricts=subs,
        )
        write_compliance(result, out, overwrite=overwrite)
        if audit is not None:
            write_facility_audit(outputs[1], audit, overwrite=overwrite)
        counts = result.table["status"].value_counts()
        typer.echo(
            f"{out}: {len(result.table)} rows against {prof.id}: "
            f"{int(counts.get('pass', 0))} pass, {int(counts.get('fail', 0))} fail, "
            f"{int(counts.get('not assessable', 0))} not assessable."
        )
