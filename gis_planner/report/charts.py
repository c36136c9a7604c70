"""Charts with a CJK font the install brings (Noto Sans CJK SC from mplfonts): no tofu boxes."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pandas as pd

from gis_planner.categories import label


@functools.cache
def cjk_font() -> str:
    """Register the packaged Noto Sans CJK SC font with matplotlib; return its family name."""
    import mplfonts
    from matplotlib import font_manager

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def coverage_bar_png(coverage: pd.DataFrame, *, lang: str = "zh") -> bytes:
    """Horizontal bar chart of the share of households covered per category, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    family = cjk_font()
    df = coverage.sort_values("covered_share")
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(8, 0.4 * len(df) + 1.2), dpi=110)
        ax.barh([label(c, lang) for c in df["category"]], df["covered_share"] * 100, color="#2e75b6")
        ax.set_xlim(0, 100)
        ax.set_xlabel("覆盖率（%）" if lang == "zh" else "Households covered (%)")
        for y, v in enumerate(df["covered_share"] * 100):
            ax.text(v + 1, y, f"{v:.0f}%", va="center", fontsize=8)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    return buf.getvalue()
