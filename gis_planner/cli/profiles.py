"""``gis-planner profiles``: list the shipped planning profiles, or show one with every source."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _walking_lines(p: Any, zh: bool) -> list[str]:
    """Walking speeds, life circles and facility radii of profile ``p``, with their sources."""
    from gis_planner.categories import label

    out: list[str] = []
    if p.walk:
        out.append("walking:")
        for q in p.walk.values():
            out.append(f"  {q.name} = {_fmt(q.value)}   [{q.status}] {q.source}")
    if p.life_circles:
        out.append("life circles:")
        for lc in p.life_circles:
            dist = (
                f"{_fmt(lc.distance_m_min)} m"
                if lc.distance_m_min == lc.distance_m_max
                else f"{_fmt(lc.distance_m_min)}–{_fmt(lc.distance_m_max)} m"
            )
            name = f" {lc.label_zh}" if zh and lc.label_zh else ""
            out.append(f"  {_fmt(lc.minutes)} min{name}: {dist}   [{lc.status}] {lc.source}")
    if p.facilities:
        out.append("facilities (service radius):")
        minutes = p.category_minutes() if p.speed_kmh else {}
        for cat, rule in p.facilities.items():
            what = (
                f"{_fmt(rule.radius_m)} m"
                if rule.radius_m is not None
                else f"{_fmt(rule.minutes)} min"
            )
            extra = (
                f" = {minutes[cat]:g} min" if cat in minutes and rule.radius_m is not None else ""
            )
            out.append(
                f"  {cat} ({label(cat, 'zh' if zh else 'en')}): {what}{extra}   "
                f"[{rule.status}] {rule.source}"
            )
    return out


def _show_lines(id_or_path: str, lang: str) -> list[str]:
    from gis_planner.categories import label
    from gis_planner.policy import load_profile

    p = load_profile(id_or_path)
    zh = lang == "zh"
    title = p.title_zh if zh else p.title_en
    out = [f"{p.id}: {title}"]
    out.append(
        f"  issuer: {p.issuer or '—'}   document: {p.doc_number or '—'}   date: {p.date or '—'}"
    )
    out.append(f"  source: {p.source}")
    if p.inherits:
        out.append(f"  inherits: {', '.join(p.inherits)} (merge order: {' -> '.join(p.lineage)})")
    if p.notes:
        out.append(f"  notes: {p.notes}")
    out += _walking_lines(p, zh)
    if p.living_circle:
        living = p.living_circle
        out.append(
            f"living circle ({_fmt(living.minutes)} min) required categories"
            f"   [{living.status}] {living.source}:"
        )
        out.append(
            "  "
            + ", ".join(f"{c} ({label(c, 'zh' if zh else 'en')})" for c in living.required_categories)
        )
    if p.community_bands:
        b = p.community_bands
        out.append(f"community bands (households)   [{b.status}] {b.source}:")
        out.append(
            f"  urban {b.urban[0]}–{b.urban[1]}; urban high-rise {b.urban_high_rise[0]}–"
            f"{b.urban_high_rise[1]}; rural {b.rural[0]}–{b.rural[1]}"
        )
    if p.indicators:
        out.append(f"indicators ({len(p.indicators)}):")
        for ind in p.indicators:
            name = ind.label_zh if zh else ind.label_en
            cats = f" [{', '.join(ind.categories)}]" if ind.categories else ""
            out.append(
                f"  {ind.id}: {name}{cats}: {ind.target_text()} ({ind.kind}, {ind.scope}, "
                f"{ind.applies_to})   [{ind.status}] {ind.source}"
            )
    if p.programme:
        out.append("programme figures (not checked):")
        for t in p.programme:
            out.append(
                f"  {t.id}: {t.label_zh if zh else t.label_en}: {_fmt(t.value)} {t.unit}   "
                f"[{t.status}] {t.source}"
            )
    return out


def register(app: typer.Typer) -> None:
    """Add the ``profiles`` command group to ``app``."""
    group = typer.Typer(no_args_is_help=False, invoke_without_command=True)

    @group.callback()
    def profiles(ctx: typer.Context) -> None:
        """List the shipped planning profiles: id, date, number of indicators, title.

        \b
        $ gis-planner profiles
        $ gis-planner profiles show taizhou-2023 --lang en
        """
        if ctx.invoked_subcommand is not None:
            return
        from gis_planner.policy import list_profiles

        rows = list_profiles()
        width = max(len(r["id"]) for r in rows)
        typer.echo(f"{'id':<{width}}  {'date':<10}  indicators  title")
        for r in rows:
            typer.echo(
                f"{r['id']:<{width}}  {r['date'] or '—':<10}  {r['n_indicators']:>10}  "
                f"{r['title_zh']} / {r['title_en']}"
            )

    @group.command("show")
    def show(
        id_or_path: Annotated[
            str, typer.Argument(help="A profile id or the path of a .toml profile.")
        ],
        lang: Annotated[str, typer.Option("--lang", help="Labels in zh or en.")] = "zh",
    ) -> None:
        """Show every value of a profile with its clause and status.

        \b
        $ gis-planner profiles show taizhou-2023
        $ gis-planner profiles show gis_planner/policy/data/tianjin-14fyp.toml --lang en
        """
        from gis_planner._errors import InputDataError

        if lang not in ("zh", "en"):
            raise InputDataError(f"--lang: expected zh or en, found {lang!r}.")
        for line in _show_lines(id_or_path, lang):
            typer.echo(line)

    app.add_typer(group, name="profiles")
