"""Charts for reports: matplotlib with the Noto Sans CJK font that ``mplfonts`` installs.

The font is registered on first use (:func:`cjk_font`), not at import; figures are made with
the object-oriented API (no pyplot state) and returned as PNG bytes.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pandas as pd

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

    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(7.0, 0.38 * max(len(labels), 3) + 1.2), dpi=dpi)
        ax = fig.add_subplot()
        s = pd.Series(shares, index=labels).astype(float).fillna(0.0) * 100.0
        colors = ["#d7301f" if v < 60 else "#fc8d59" if v < 85 else "#1a9850" for v in s]
        ax.barh(range(len(s)), s.to_numpy(), color=colors)
        ax.set_yticks(range(len(s)), list(s.index))
        ax.invert_yaxis()
        ax.set_xlim(0, 105)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        for i, v in enumerate(s):
            ax.text(v + 1, i, f"{v:.0f}%", va="center", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
