"""Charts render Chinese with the Noto Sans CJK font from mplfonts, without missing glyphs."""

from __future__ import annotations

import warnings

from matplotlib import font_manager

from gis_planner.report.charts import cjk_font, cjk_font_path, coverage_bar_chart


def test_font_family_is_the_mplfonts_font():
    family = cjk_font()
    assert family == "Noto Sans CJK SC"
    assert cjk_font_path().name == "NotoSansCJKsc-Regular.otf"


def _fonts_drawn(monkeypatch, draw) -> set[str]:
    """Font files of every non-empty text of the figures ``draw`` saves, as drawn."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    seen: set[str] = set()
    save = Figure.savefig

    def spy(fig, *args, **kwargs):
        fig.draw_without_rendering()  # ticks and legend texts as they will be drawn
        seen.update(font_manager.findfont(t.get_fontproperties())
                    for t in fig.findobj(Text) if t.get_text() and t.get_visible())
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    draw()
    return seen


def test_every_chart_text_uses_the_mplfonts_file(monkeypatch):
    # a system font of the same family (Debian's fonts-noto-cjk ships "Noto Sans CJK SC" in a
    # .ttc) would win matplotlib's family lookup; the charts must not depend on it
    import geopandas as gpd
    import shapely

    from gis_planner.report.charts import coverage_map_figure

    seen = _fonts_drawn(monkeypatch, lambda: coverage_bar_chart(
        ["菜市场", "幼儿园"], [0.5, 0.9], title="覆盖率", xlabel="覆盖率 (%)"))
    assert seen == {str(cjk_font_path())}
    hh = gpd.GeoDataFrame({"households": [100, 300], "kindergarten_min": [3.0, 20.0],
                           "kindergarten_covered": [True, False]},
                          geometry=shapely.points([0, 800], [0, 600]), crs=32651)
    fac = gpd.GeoDataFrame({"category": ["kindergarten"]}, geometry=shapely.points([10], [10]),
                           crs=32651)
    seen = _fonts_drawn(monkeypatch, lambda: coverage_map_figure(
        hh, fac, category="kindergarten", category_label="幼儿园", limit_min=5.0,
        limit_m=300.0, lang="zh"))
    assert seen == {str(cjk_font_path())}


def test_chinese_chart_has_no_missing_glyphs():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = coverage_bar_chart(["菜市场", "社区卫生服务站/村卫生室", "幼儿园"],
                                 [0.158, 0.72, 0.116], title="各类设施步行覆盖率",
                                 xlabel="覆盖率 (%)")
    glyph = [str(w.message) for w in caught if "Glyph" in str(w.message)]
    assert glyph == []
    assert png[:4] == b"\x89PNG" and len(png) > 5000


def test_without_the_cjk_font_glyphs_would_be_missing():
    # the check above can fail: DejaVu Sans alone lacks CJK glyphs and warns
    from matplotlib.figure import Figure

    fig = Figure()
    fig.text(0.5, 0.5, "菜市场", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(__import__("io").BytesIO(), format="png")
    assert any("Glyph" in str(w.message) for w in caught)


def _compounds():
    """Five compounds for a 7.5-minute category: 3 min (covered, within half the limit),
    7.5 min (covered, the limit is inclusive), 9 min (not covered, within 1.5 x), 20 min
    (not covered, farther), unreachable and off the network."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    return gpd.GeoDataFrame(
        {"households": [100, 400, 250, 50, 10],
         "wet_market_min": [3.0, 7.5, 9.0, 20.0, np.nan],
         "wet_market_covered": [True, True, False, False, False],
         "snapped": [True, True, True, True, False]},
        geometry=[Point(x * 200.0, 0.0) for x in range(5)], crs=32651)


def test_compound_classes_use_the_category_own_limit():
    from gis_planner.report.charts import MAP_CLASSES, compound_classes

    cls = compound_classes(_compounds(), "wet_market", limit_min=7.5)
    assert [MAP_CLASSES[i][0] for i in cls] == [
        "fig_cls_half", "fig_cls_covered", "fig_cls_near", "fig_cls_far", "fig_cls_off"]
    # 9 minutes from a wet market with a 7.5-minute limit is not green
    assert MAP_CLASSES[cls[2]][1] not in ("#1a9850", "#91cf60")


def test_coverage_map_figure_renders_chinese_without_missing_glyphs():
    import geopandas as gpd
    from shapely.geometry import Point, box

    from gis_planner.report.charts import coverage_map_figure

    homes = _compounds()
    fac = gpd.GeoDataFrame({"category": ["wet_market", "pharmacy"]},
                           geometry=[Point(100, 50), Point(300, 50)], crs=32651)
    subs = gpd.GeoDataFrame({"name": ["示范街道"]}, geometry=[box(-100, -300, 900, 300)],
                            crs=32651)
    sites = gpd.GeoDataFrame(geometry=[Point(600, 0)], crs=32651)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = coverage_map_figure(homes, fac, category="wet_market", category_label="菜市场",
                                  limit_m=500, limit_min=7.5, lang="zh", sites=sites,
                                  communities=subs, subdistricts=subs)
    assert [str(w.message) for w in caught] == []  # no missing glyph, no layout warning
    assert png[:4] == b"\x89PNG" and len(png) > 20_000
    from matplotlib.image import imread

    img = imread(__import__("io").BytesIO(png))
    assert 700 < img.shape[1] <= 940 and img.shape[0] > 400  # about 7 in at 130 dpi


def test_scale_bar_lengths_are_round():
    from gis_planner.report.charts import _nice_length_m

    assert _nice_length_m(5000.0) == 1000 and _nice_length_m(1200.0) == 250
    assert _nice_length_m(60_000.0) == 10_000


#: Names that matplotlib would parse as mathtext: the first stops the drawing with a parse
#: error, the second would be drawn as x squared.
MATH_NAMES = ("阳光$\\frac{$社区", "$x^2$")


def _texts_drawn(monkeypatch, draw) -> list:
    """Every non-empty text of the figures ``draw`` saves, as drawn."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    seen: list = []
    save = Figure.savefig

    def spy(fig, *args, **kwargs):
        fig.draw_without_rendering()
        seen.extend(t for t in fig.findobj(Text) if t.get_text() and t.get_visible())
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    draw()
    return seen


def test_names_with_dollar_signs_are_drawn_literally(monkeypatch):
    import geopandas as gpd
    from shapely.geometry import box

    from gis_planner.report.charts import coverage_map_figure

    texts = _texts_drawn(monkeypatch, lambda: coverage_bar_chart(
        list(MATH_NAMES), [0.5, 0.9], title=MATH_NAMES[0], xlabel=MATH_NAMES[1]))
    communities = gpd.GeoDataFrame({"name": list(MATH_NAMES)},
                                   geometry=[box(-100, -300, 400, 300), box(400, -300, 900, 300)],
                                   crs=32651)
    texts += _texts_drawn(monkeypatch, lambda: coverage_map_figure(
        _compounds(), gpd.GeoDataFrame({"category": ["wet_market"]}, geometry=gpd.points_from_xy(
            [100], [50]), crs=32651), category="wet_market", category_label=MATH_NAMES[1],
        limit_m=500, limit_min=7.5, lang="zh", communities=communities))
    shown = {t.get_text() for t in texts}
    assert set(MATH_NAMES) <= shown  # the names, tick labels and map labels, as given
    assert any(MATH_NAMES[1] in s for s in shown - set(MATH_NAMES))  # legend, title
    assert not [t.get_text() for t in texts if t.get_parse_math()]
