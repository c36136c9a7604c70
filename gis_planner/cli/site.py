"""``gis-planner site``: choose facility sites over the walk network and explain each one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import geopandas as gpd


def _reader(name: str) -> Any:
    """A reader of ``gis_planner.io`` by name, or None when the package does not provide it."""
    import gis_planner.io as gio

    fn = getattr(gio, name, None)
    if fn is None:
        import importlib

        for mod in (
            "network",
            "households",
            "points",
            "facilities",
            "pois",
            "admin",
        ):
            try:
                m = importlib.import_module(f"gis_planner.io.{mod}")
            except ModuleNotFoundError:
                continue
            fn = getattr(m, name, None)
            if fn is not None:
                break
    return fn


def _read(name: str, path: Path, crs: Any, **kwargs: Any) -> gpd.GeoDataFrame:
    fn = _reader(name)
    if fn is None:
        raise typer.BadParameter(
            f"reading {path} needs gis_planner.io.{name}, which this installation lacks."
        )
    return fn(path, metric_crs=crs, **kwargs) if crs is not None else fn(path, **kwargs)


def _require_on_network(net: Any, layer: gpd.GeoDataFrame, *, what: str,
                        tolerance_m: float = 250.0) -> None:
    """Refuse candidates none of which lies within ``tolerance_m`` (m) of the network: every
    site would reach nobody, a silent empty result."""
    import geopandas as gpd

    from gis_planner._errors import InputDataError
    from gis_planner.network.snap import snap_points

    if not len(layer):
        return
    pts = gpd.GeoDataFrame(geometry=layer.geometry.representative_point(), crs=layer.crs)
    if snap_points(net, pts, tolerance_m=tolerance_m)["snapped"].any():
        return
    raise InputDataError(
        f"{what}: none of the {len(layer)} candidates lies within {tolerance_m:g} m of the network "
        f"{net.source or ''}; the network covers another area or the coordinates are wrong: "
        "check the files and --coords.")


def register(app: typer.Typer) -> None:
    """Add the ``site`` command to ``app``."""

    @app.command("site")
    def site(
        network: Annotated[Path, typer.Option("--network", help="Road network file.")],
        households: Annotated[
            Path, typer.Option("--households", help="Compounds with household counts.")
        ],
        candidates: Annotated[
            Path, typer.Option("--candidates", help="Candidate sites (points or polygons).")
        ],
        out: Annotated[
            Path, typer.Option("--out", help="Output GeoPackage (a CSV is written beside it).")
        ],
        facilities: Annotated[
            Path | None, typer.Option("--facilities", help="Existing facilities.")
        ] = None,
        category: Annotated[
            str | None, typer.Option("--category", help="Facility category id, e.g. wet_market.")
        ] = None,
        model: Annotated[
            str, typer.Option("--model", help="mclp | lscp | p-median | p-center.")
        ] = "mclp",
        sites: Annotated[
            int | None, typer.Option("--sites", min=1, help="New sites to open (not for lscp).")
        ] = None,
        minutes: Annotated[
            float, typer.Option("--minutes", min=0.1, help="Walk budget in minutes (inclusive).")
        ] = 15.0,
        speed_kmh: Annotated[
            float, typer.Option("--speed-kmh", min=0.1, help="Walking speed in km/h.")
        ] = 4.0,
        per_subdistrict_min: Annotated[
            int | None,
            typer.Option(
                "--per-subdistrict-min",
                min=0,
                help="New sites per sub-district lacking the category.",
            ),
        ] = None,
        subdistricts: Annotated[
            Path | None, typer.Option("--subdistricts", help="Sub-district polygons.")
        ] = None,
        demand: Annotated[
            str, typer.Option("--demand", help="households | population | elderly.")
        ] = "households",
        elderly_share: Annotated[
            float | None,
            typer.Option("--elderly-share", help="Share aged 60+ (0-1); default 0.187 (2020)."),
        ] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", min=0.1, help="Solver time limit in seconds.")
        ] = 60.0,
        coords: Annotated[
            str | None,
            typer.Option("--coords", help="Coordinates of point files: wgs84 | gcj02 | bd09."),
        ] = None,
        lang: Annotated[str, typer.Option("--lang", help="Explanations: zh | en.")] = "zh",
        overwrite: Annotated[
            bool, typer.Option("--overwrite", help="Replace OUT if it exists.")
        ] = False,
    ) -> None:
        """Choose facility sites over the walk network and explain each one.

        $ gis-planner site --network roads.gpkg --households compounds.gpkg \\
              --candidates sites.gpkg --facilities pois.csv --category wet_market \\
              --model mclp --sites 3 --minutes 15 --out new_markets.gpkg
        """
        import logging

        from gis_planner._fs import atomic_path
        from gis_planner.siting import demand_weights
        from gis_planner.siting.candidates import candidates_from_layer
        from gis_planner.siting.models import MODELS, elderly_centres_per_subdistrict

        log = logging.getLogger("gis_planner.cli.site")
        if model not in MODELS:
            raise typer.BadParameter(f"--model {model!r}: expected one of {', '.join(MODELS)}.")
        if demand not in ("households", "population", "elderly"):
            raise typer.BadParameter(
                f"--demand {demand!r}: expected households, population or elderly."
            )
        if lang not in ("zh", "en"):
            raise typer.BadParameter(f"--lang {lang!r}: expected zh or en.")
        if model == "lscp" and sites is not None:
            raise typer.BadParameter("--sites: lscp minimises the number of sites; drop --sites.")
        if model != "lscp" and sites is None and per_subdistrict_min is None:
            raise typer.BadParameter(f"--sites is required for --model {model}.")
        if (per_subdistrict_min is None) != (subdistricts is None):
            raise typer.BadParameter("--per-subdistrict-min and --subdistricts go together.")
        csv_out = out.with_suffix(".csv")
        for target in (out, csv_out):
            if target.exists() and not overwrite:
                raise typer.BadParameter(f"--out: {target} exists; pass --overwrite to replace it.")

        net = _read("read_network", network, None)
        crs = net.crs
        point_kw = {"source_coords": coords} if coords else {}
        homes = _read("read_compounds", households, crs, **point_kw)
        cand_kw = {"id_aliases": ("candidate_id", "id", "编号"), "index_name": "candidate_id"}
        cands = candidates_from_layer(
            _read("read_points", candidates, crs, **point_kw, **cand_kw), what=str(candidates)
        )
        _require_on_network(net, cands, what=str(candidates))
        fac = None
        if facilities is not None:
            reader = "read_facilities" if _reader("read_facilities") else "read_points"
            fac = _read(reader, facilities, crs, **point_kw)
        kw: dict[str, Any] = {}
        if elderly_share is not None:
            kw["elderly_share"] = elderly_share
        w = demand_weights(homes, kind=demand, what=str(households), **kw)  # type: ignore[arg-type]
        cls = MODELS[model]
        from gis_planner._units import walk_distance_m

        # p-median / p-center need every home to reach a candidate: search four walk budgets
        cutoff = None if model in ("mclp", "lscp") else 4 * walk_distance_m(minutes, speed_kmh)
        m = cls.from_network(
            net,
            homes,
            cands,
            walk_minutes=minutes,
            speed_kmh=speed_kmh,
            weights=w,
            facilities=fac,
            category=category,
            cutoff_m=cutoff,
        )
        if per_subdistrict_min is not None and subdistricts is not None:
            subs = _read("read_subdistricts", subdistricts, crs)
            res = elderly_centres_per_subdistrict(
                m,
                subs,
                category=category or "subdistrict_elderly_centre",
                per_subdistrict=max(per_subdistrict_min, 1),
                time_limit_s=time_limit,
            )
        else:
            res = m.solve(sites, time_limit_s=time_limit)
        table = res.explain(lang)  # type: ignore[arg-type]
        chosen = res.chosen.copy()
        for col in ("requirement", "explanation", "area_coverage"):
            chosen[col] = table[col].to_numpy()
        chosen["model"] = res.model
        chosen["status"] = res.status
        chosen["gap"] = res.solve_result.gap
        # the candidates' id column may also be the index (a CSV's candidate_id): keep one
        chosen = chosen.drop(columns=[c for c in chosen.columns
                                      if c == "existing" or c == chosen.index.name])
        with atomic_path(out, overwrite=overwrite) as tmp:
            chosen.reset_index().to_file(tmp, driver="GPKG", layer="chosen_sites")
        with atomic_path(csv_out, overwrite=overwrite) as tmp:
            chosen.drop(columns=chosen.geometry.name).to_csv(tmp, encoding="utf-8-sig")
        s = res.summary
        log.info("siting %s: %s", res.model, res.status)
        typer.echo(
            f"{len(chosen)} sites chosen ({res.model}, {res.status}, "
            f"gap {res.solve_result.gap:.2%}); "
            f"coverage {s['covered_share_before']:.1%} -> {s['covered_share_after']:.1%}; "
            f"wrote {out} and {csv_out}"
        )
