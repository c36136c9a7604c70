"""Charts render Chinese with the Noto Sans CJK font from mplfonts, without missing glyphs."""

from __future__ import annotations

import warnings
from pathlib import Path

from matplotlib import font_manager

from gis_planner.report.charts import cjk_font, cjk_font_path, coverage_bar_chart


def test_font_resolves_to_noto_cjk():
    family = cjk_font()
    found = font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)
    assert Path(found).name == "NotoSansCJKsc-Regular.otf"
    assert Path(found) == cjk_font_path()


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
