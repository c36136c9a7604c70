"""Charts for reports: matplotlib with the Noto Sans CJK font that ``mplfonts`` installs.

The font is registered on first use (:func:`cjk_font`), not at import; figures are made with
the object-oriented API (no pyplot state) and returned as PNG bytes. :func:`coverage_map_figure`
draws the static map of one category (no network, no tiles) for report.html and report.docx.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from gis_planner.report.i18n import Lang, t

FONT_FILE = "NotoSansCJKsc-Regular.otf"


@functools.cache
def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font shipped by ``mplfonts``.

    Raises
    ------
    ImportError
        When ``mplfonts`` is not installed (``pip install mplfonts``).
    """
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise ImportError(f"mplfonts is installed but lacks {FONT_FILE}; reinstall mplfonts.")
    return path


@functools.cache
def cjk_font() -> str:
    """Register the CJK font with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _finish_texts(fig: Any) -> None:
    """Draw every text of ``fig`` literally and with the ``mplfonts`` file itself.

    Literally: names and labels come from the data, and a ``$`` in them must not start
    matplotlib's mathtext (``阳光$\\frac{$社区`` would stop the drawing with a parse error,
    ``$x^2$`` would be drawn as a formula); no chart text is meant as mathtext. The font file:
    not whatever font of its family matplotlib finds first, since a system font of the same
    family name (Debian's fonts-noto-cjk also ships "Noto Sans CJK SC") would win the lookup,
    and the chart would then depend on the machine. Sizes, weights and styles are kept. Call
    it once every text is placed, before the layout and the drawing.
    """
    from matplotlib.text import Text

    path = str(cjk_font_path())
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        props = text.get_fontproperties().copy()
        props.set_file(path)
        text.set_fontproperties(props)


def coverage_bar_chart(labels: list[str], shares: list[float], *, title: str,
                       xlabel: str, dpi: int = 110) -> bytes:
    """Horizontal bar chart of coverage shares (0-1) per category, as PNG bytes.

    Parameters
    ----------
    labels
        Category labels (any language; CJK renders with Noto Sans CJK).
    shares
        Share of households covered per label, 0-1.
    title, xlabel
        Chart title and x-axis label.
    dpi
        Resolution in dots per inch.
    """
    from matplotlib.figure import Figure

    family = cjk_font()
    rc = {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False}
    import matplotlib

    with matplotlib.rc_context(cast(Any, rc)):
        fig = Figure(figsize=(7.0, 0.38 * max(len(labels), 3) + 1.2), dpi=dpi)
        ax = fig.add_subplot()
        s = pd.Series(shares, index=labels).astype(float).fillna(0.0) * 100.0
        colors = ["#d7301f" if v < 60 else "#fc8d59" if v < 85 else "#1a9850" for v in s]
        ax.barh(range(len(s)), s.to_numpy(), color=colors)
        ax.set_yticks(range(len(s)), list(s.index), parse_math=False)
        ax.invert_yaxis()
        ax.set_xlim(0, 105)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        for i, v in enumerate(s):
            ax.text(v + 1, i, f"{v:.0f}%", va="center", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        _finish_texts(fig)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()


#: Map classes of a compound for one category, in legend order: (i18n key, colour). The same
#: classes as the interactive map: covered within half the limit, covered, not covered up to
#: 1.5 x the limit, farther or beyond the search range, not on the network.
MAP_CLASSES = (("fig_cls_half", "#1a9850"), ("fig_cls_covered", "#91cf60"),
               ("fig_cls_near", "#fc8d59"), ("fig_cls_far", "#d7301f"),
               ("fig_cls_off", "#9e9e9e"))

_NICE_M = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)


def compound_classes(households: pd.DataFrame, category: str, *, limit_min: float) -> np.ndarray:
    """Map class (index into :data:`MAP_CLASSES`) of each compound for ``category``.

    Parameters
    ----------
    households
        The reach result's compounds with ``<category>_min`` and ``<category>_covered``
        (and ``snapped``, when known).
    category
        Category id.
    limit_min
        The category's own walking limit in minutes (inclusive).
    """
    minutes = households[f"{category}_min"].to_numpy(dtype=float)
    covered = households[f"{category}_covered"].fillna(False).astype(bool).to_numpy()
    snapped = (households["snapped"].fillna(False).astype(bool).to_numpy()
               if "snapped" in households.columns else np.ones(len(households), dtype=bool))
    with np.errstate(invalid="ignore"):
        cls = np.where(covered, np.where(minutes <= limit_min / 2, 0, 1),
                       np.where(np.isfinite(minutes) & (minutes <= 1.5 * limit_min), 2, 3))
    return np.where(snapped, cls, 4)


def _nice_length_m(width_m: float) -> int:
    """A round scale-bar length near a fifth of the map width (m)."""
    target = width_m / 5
    return min(_NICE_M, key=lambda v: abs(math.log(v / target)))


def _draw_scale_and_north(ax: Any, bounds: tuple[float, float, float, float], lang: Lang) -> None:
    """Metric scale bar (lower left) and north arrow (upper right), in the map's margins."""
    x0, y0, x1, y1 = bounds
    w, h = x1 - x0, y1 - y0
    length = _nice_length_m(w)
    bx, by = x0 + 0.03 * w, y0 + 0.035 * h
    for i in range(4):  # alternating black/white quarters
        ax.add_patch(_rect((bx + i * length / 4, by), length / 4, 0.012 * h,
                           "#222" if i % 2 == 0 else "white"))
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    ax.text(bx, by + 0.02 * h, "0", fontsize=7, ha="center", va="bottom")
    ax.text(bx + length, by + 0.02 * h, text, fontsize=7, ha="center", va="bottom")
    nx, ny = x1 - 0.05 * w, y1 - 0.13 * h
    ax.annotate("", xy=(nx, ny + 0.08 * h), xytext=(nx, ny),
                arrowprops={"arrowstyle": "-|>", "color": "#222", "lw": 1.6})
    ax.text(nx, ny + 0.09 * h, t("fig_north", lang), fontsize=10, ha="center", va="bottom")


def _rect(xy: tuple[float, float], w: float, h: float, color: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, w, h, facecolor=color, edgecolor="#222", linewidth=0.6, zorder=6)


def coverage_map_figure(households: Any, facilities: Any, *, category: str, category_label: str,
                        limit_m: float, limit_min: float, lang: Lang,
                        households_col: str = "households", sites: Any = None,
                        communities: Any = None, subdistricts: Any = None, roads: Any = None,
                        dpi: int = 130) -> bytes:
    """Static coverage map of one category, as PNG bytes (no tiles, no network access).

    Compounds are circles sized by households and coloured by their class at the category's
    own limit (:func:`compound_classes`); the category's facilities are black squares, the
    proposed sites gold stars; community boundaries carry their names, sub-district boundaries
    are drawn heavier. A metric scale bar and a north arrow sit in the margins; the legend is
    below the map, so it never covers data or the scale.

    Parameters
    ----------
    households
        The reach result's compounds (metric CRS) with ``<category>_min``/``_covered``.
    facilities
        Facilities (same CRS) with a ``category`` column; only ``category`` ones are drawn.
    category, category_label
        Category id and its display name.
    limit_m, limit_min
        The category's walking limit, in metres and in minutes.
    lang
        ``zh`` or ``en`` (legend and title).
    households_col
        Column of household counts.
    sites
        Proposed sites of this category (points, same CRS), or ``None``.
    communities, subdistricts, roads
        Optional boundary and street layers (same CRS).
    dpi
        Resolution in dots per inch.
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    family = cjk_font()
    import matplotlib

    hh = households
    pts = hh.geometry.representative_point()
    area = _extent(hh, communities, subdistricts)
    x0, y0, x1, y1 = area
    pad_x = 0.04 * (x1 - x0)
    bounds = (x0 - pad_x, y0 - 0.14 * (y1 - y0), x1 + pad_x, y1 + 0.16 * (y1 - y0))
    rc = {"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False}
    with matplotlib.rc_context(cast(Any, rc)):
        aspect = (bounds[3] - bounds[1]) / max(bounds[2] - bounds[0], 1.0)
        ax_h = min(max(7.0 * 0.96 * aspect, 3.0), 8.5)  # inches; legend 0.95 in, title 0.45 in
        fig_h = ax_h + 1.4
        fig = Figure(figsize=(7.0, fig_h), dpi=dpi)
        ax = fig.add_axes((0.02, 0.95 / fig_h, 0.96, ax_h / fig_h))
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
        if roads is not None and len(roads):
            roads.plot(ax=ax, color="#c8c8c8", linewidth=0.4, zorder=1)
        if communities is not None and len(communities):
            communities.boundary.plot(ax=ax, color="#6f6f6f", linewidth=0.6, linestyle="--",
                                      zorder=2)
            if len(communities) <= 60:
                lp = communities.geometry.representative_point()
                names = communities["name"] if "name" in communities.columns else communities.index
                for p, n in zip(lp, names, strict=True):
                    ax.text(p.x, p.y, str(n), fontsize=6, color="#555", ha="center",
                            va="center", zorder=3, parse_math=False)
        if subdistricts is not None and len(subdistricts):
            subdistricts.boundary.plot(ax=ax, color="#333", linewidth=1.3, zorder=3)
        cls = compound_classes(hh, category, limit_min=limit_min)
        counts = hh[households_col].fillna(0).to_numpy(dtype=float)
        size = 8 + 60 * np.sqrt(counts / max(float(counts.max()), 1.0))
        colors = np.array([c for _, c in MAP_CLASSES])[cls]
        ax.scatter(pts.x, pts.y, s=size, c=list(colors), edgecolors="white", linewidths=0.4,
                   zorder=4)
        fac = facilities[facilities["category"].astype(str) == category]
        if len(fac):
            ax.scatter(fac.geometry.x, fac.geometry.y, marker="s", s=26, c="#111",
                       edgecolors="white", linewidths=0.6, zorder=5)
        if sites is not None and len(sites):
            sp = sites.geometry.representative_point()
            ax.scatter(sp.x, sp.y, marker="*", s=230, c="#ffd400", edgecolors="#222",
                       linewidths=0.8, zorder=7)
        _draw_scale_and_north(ax, bounds, lang)
        shares = [float(counts[cls == i].sum()) for i in range(len(MAP_CLASSES))]
        total = max(sum(shares), 1.0)
        handles = [Line2D([], [], ls="", marker="o", ms=7, mfc=c, mec="white",
                          label=f"{t(k, lang)}（{100 * v / total:.0f}%）" if lang == "zh"
                          else f"{t(k, lang)} ({100 * v / total:.0f}%)")
                   for (k, c), v in zip(MAP_CLASSES, shares, strict=True)]
        handles += [Line2D([], [], ls="", marker="s", ms=6, mfc="#111", mec="white",
                           label=t("fig_facilities", lang, cat=category_label)),
                    Line2D([], [], ls="", marker="*", ms=12, mfc="#ffd400", mec="#222",
                           label=t("map_sites", lang)),
                    Line2D([], [], color="#333", lw=1.3, label=t("fig_subdistricts", lang)),
                    Line2D([], [], color="#6f6f6f", lw=0.6, ls="--",
                           label=t("fig_communities", lang))]
        ax.legend(handles=handles, loc="upper center", ncol=3, fontsize=7, frameon=False,
                  bbox_to_anchor=(0.5, 0.0))  # below the map: never over data or the scale
        fig.suptitle(t("fig_map_title", lang, cat=category_label, minutes=f"{limit_min:g}",
                       metres=f"{limit_m:g}"), fontsize=11, y=1 - 0.12 / fig_h, va="top")
        _finish_texts(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.12)
    return buf.getvalue()


def _extent(hh: Any, communities: Any, subdistricts: Any) -> tuple[float, float, float, float]:
    """Bounds of the study area: the boundaries when given, else the compounds."""
    for gdf in (subdistricts, communities):
        if gdf is not None and len(gdf):
            return tuple(float(v) for v in gdf.total_bounds)  # type: ignore[return-value]
    return tuple(float(v) for v in hh.total_bounds)  # type: ignore[return-value]


def reach_map_figure(reach: Any, category: str, *, lang: Lang = "zh", sites: Any = None,
                     communities: Any = None, subdistricts: Any = None, roads: Any = None,
                     dpi: int = 130) -> bytes:
    """:func:`coverage_map_figure` of one category of a reach result, at the category's own
    limit (metres from the profile, minutes at the result's walking speed).

    Parameters
    ----------
    reach
        A :class:`gis_planner.coverage.ReachResult`.
    category
        Category id (one of ``reach.categories``).
    lang
        ``zh`` or ``en``.
    sites, communities, subdistricts, roads, dpi
        As for :func:`coverage_map_figure` (layers in any CRS; drawn in the result's).

    Raises
    ------
    KeyError
        When ``category`` is not a category of ``reach``.
    """
    from gis_planner._units import distance_to_minutes
    from gis_planner.categories import label

    if category not in reach.category_limits_m:
        raise KeyError(f"category {category!r} is not in the reach result; it has "
                       f"{', '.join(reach.categories)}.")
    crs = reach.households.crs
    limit_m = float(reach.category_limits_m[category])

    def same(gdf: Any) -> Any:
        return gdf.to_crs(crs) if gdf is not None and len(gdf) else None

    return coverage_map_figure(
        reach.households, reach.facilities.to_crs(crs), category=category,
        category_label=label(category, lang), limit_m=limit_m,
        limit_min=float(distance_to_minutes(limit_m, reach.speed_kmh)), lang=lang,
        households_col=reach.households_col, sites=same(sites), communities=same(communities),
        subdistricts=same(subdistricts), roads=same(roads), dpi=dpi)
