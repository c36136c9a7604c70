"""``gis-planner check``: compare community data with a planning profile's indicators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gis_planner.cli._common import CATEGORIES_HELP, FACILITY_COORDS_HELP

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


def read_layer(path: Path, what: str, *, target_crs: Any = None) -> gpd.GeoDataFrame:
    """Read the ``communities`` or ``subdistricts`` polygons, or the ``reach`` result's
    households layer, keeping every column (``households``, ``kind``, ``urban_rural`` …).

    The file goes through the reader and checks of every other command
    (:func:`gis_planner.io.points.read_layer`): format by extension, an empty layer, geometries
    of another type (communities and sub-districts are polygons), no CRS, coordinates that are
    not where they should be, duplicate codes. The result is in ``target_crs`` or, when None,
    the metric CRS chosen for its extent; the code (``community_code`` …) is the string index
    and, where the file has that column, also a column.

    Raises
    ------
    InputDataError, CRSError
        One line naming the file and what was expected.
    """
    from gis_planner.io import vector_layers
    from gis_planner.io.admin import COMMUNITY_CODE_ALIASES, POLY, SUBDISTRICT_CODE_ALIASES
    from gis_planner.io.points import read_layer as read_checked

    # the geometry types accepted, the code columns looked for (those of io.read_communities
    # and io.read_subdistricts) and the index they become
    types, codes, index = {"communities": (POLY, COMMUNITY_CODE_ALIASES, "community_code"),
                           "subdistricts": (POLY, SUBDISTRICT_CODE_ALIASES, "subdistrict_code"),
                           "reach": (("Point", *POLY), ("compound_id",), "compound_id")}[what]
    layers = vector_layers(path) if what == "reach" and path.suffix.lower() == ".gpkg" and path.is_file() else []
    gdf = read_checked(path, metric_crs=target_crs, layer="households" if "households" in layers else None,
                       id_aliases=codes, index_name=index, allowed_types=types)
    if index in gdf.columns:
        gdf[index] = gdf.index
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
        from gis_planner.cli._common import audit_path, check_outputs, declare, read_facilities, require_suffix
        from gis_planner.io.write import write_facility_audit
        from gis_planner.policy import load_profile
        from gis_planner.policy.compliance import (
            check_compliance,
            read_community_attributes,
            write_compliance,
        )

        require_suffix(out, (".csv", ".xlsx"), what="the indicator table is a CSV file or an Excel workbook")
        outputs = [out, *([audit_path(out)] if facilities else [])]
        check_outputs(outputs, inputs=(communities, attributes, *(facilities or []), subdistricts, reach,
                                       community_check, categories), overwrite=overwrite)
        declare(categories)
        prof = load_profile(profile)
        crs = None
        comm = subs = fac = None
        if communities is not None:
            if communities.suffix.lower() in (".csv", ".txt"):
                from gis_planner.io.attributes import read_community_table

                comm = read_community_table(communities)
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
