"""chart: a Trend drawn, for the edges that show one.

    bar(value, top)          a bar of block characters for the terminal
    table(trend)             the terminal table (cli): a row and a bar per bucket, its quote under the bar
    svg(trend, href)         the inline SVG bar chart `serve` puts in its /trend page:
                             plain SVG 1.1, no script, each bar a link to its quote
    plot(trend, path)        an .svg or .png file with matplotlib (`--plot`, the notebook),
                             labels in a CJK font found on the machine

Bars are mentions per 10,000 characters, so a long report does not win by length.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import GovSpeechError

if TYPE_CHECKING:
    from .trend import Bucket, Trend

BLOCKS = " ▏▎▍▌▋▊▉█"
BAR_WIDTH = 30            # characters of the longest terminal bar
FONT_HINT = ("no font with Chinese characters found for the plot: install one "
             "(Debian/Ubuntu: apt-get install fonts-wqy-microhei; Fedora: dnf install wqy-microhei-fonts; "
             "macOS and Windows ship one)")


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """`value` as a bar of eighth blocks, `top` filling `width` characters."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / top))
    return "█" * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")


def _label(b: "Bucket", trend: "Trend") -> str:
    return "未知" if b.key == "unknown" else b.key


STRENGTH_WORDS = {"mandatory": "必须", "advisory": "要"}


def table(trend: "Trend"):
    """A rich Table: key, speeches, characters, mentions, per 10k with its bar, the strongest
    strength; the bucket's quote (citation and text) on the line under its bar."""
    from rich.markup import escape as markup
    from rich.table import Table

    top = max((b.per_10k for b in trend.buckets), default=0.0)
    t = Table(title=f"“{markup(trend.query)}” by {trend.by} ({'exact' if trend.exact else 'semantic'}): "
                    f"{trend.total} mentions", title_justify="left", show_edge=False, pad_edge=False)
    for name, justify in (("key", "left"), ("speeches", "right"), ("chars", "right"), ("mentions", "right"),
                          ("per 10k", "right"), ("", "left"), ("strongest", "left")):
        t.add_column(name, justify=justify, no_wrap=name != "")
    for b in trend.buckets:
        cell = f"[cyan]{bar(b.per_10k, top)}[/]"
        q = b.quote.citation if b.quote else None
        if q is not None:
            cell += f"\n[dim]{markup(q.speech_id)} {markup(q.label())} [{q.start}:{q.end}][/] {markup(q.text)}"
        strength = STRENGTH_WORDS.get(b.strongest or "", "")
        t.add_row(markup(b.title or b.key) if trend.by == "speech" else markup(_label(b, trend)), str(b.speeches),
                  str(b.chars), str(b.mentions), f"{b.per_10k:.2f}", cell,
                  f"[red]{strength}[/]" if b.strongest == "mandatory" else strength)
    return t


# -- inline SVG (serve) --------------------------------------------------------------------

SVG_BAR, SVG_GAP, SVG_HEIGHT, SVG_TOP, SVG_BOTTOM, SVG_LEFT = 28, 10, 220, 24, 64, 48


def svg(trend: "Trend", href: Callable[["Bucket"], str | None]) -> str:
    """The buckets as an SVG bar chart (per_10k), each bar with a tooltip and, when the
    bucket has a quote, wrapped in a link to `href(bucket)` (its paragraph). Every text
    is escaped; the markup is well-formed XML."""
    buckets = trend.buckets
    top = max((b.per_10k for b in buckets), default=0.0) or 1.0
    width = SVG_LEFT + len(buckets) * (SVG_BAR + SVG_GAP) + SVG_GAP
    height = SVG_TOP + SVG_HEIGHT + SVG_BOTTOM
    base = SVG_TOP + SVG_HEIGHT
    title = f"“{trend.query}”：每万字提及次数（{'原文匹配' if trend.exact else '语义'}）"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" role="img" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
           f'<title>{escape(title)}</title>',
           f'<line class="axis" x1="{SVG_LEFT - 4}" y1="{base}" x2="{width}" y2="{base}" stroke="#888"/>',
           f'<text class="tick" x="{SVG_LEFT - 8}" y="{SVG_TOP + 4}" text-anchor="end" font-size="11">{top:.1f}</text>',
           f'<text class="tick" x="{SVG_LEFT - 8}" y="{base}" text-anchor="end" font-size="11">0</text>']
    for i, b in enumerate(buckets):
        x = SVG_LEFT + SVG_GAP + i * (SVG_BAR + SVG_GAP)
        h = round(SVG_HEIGHT * b.per_10k / top, 1)
        tip = f"{_label(b, trend)}：{b.mentions} 次，{b.speeches} 篇，每万字 {b.per_10k:.2f}"
        if b.quote is not None and b.quote.citation is not None:
            tip += f"。{b.quote.citation.text}"
        rect = (f'<rect class="bar{" strong" if b.strongest == "mandatory" else ""}" x="{x}" y="{base - h}" '
                f'width="{SVG_BAR}" height="{h}" fill="{"#b3261e" if b.strongest == "mandatory" else "#3566a8"}">'
                f'<title>{escape(tip)}</title></rect>')
        link = href(b)
        out.append(f'<a class="bar-link" href="{escape(link)}" data-key="{escape(b.key)}">{rect}</a>' if link else rect)
        if b.mentions:
            out.append(f'<text class="count" x="{x + SVG_BAR / 2}" y="{base - h - 4}" text-anchor="middle" '
                       f'font-size="10">{b.mentions}</text>')
        label = _label(b, trend)
        out.append(f'<text class="key" x="{x + SVG_BAR / 2}" y="{base + 12}" font-size="11" text-anchor="end" '
                   f'transform="rotate(-45 {x + SVG_BAR / 2} {base + 12})">{escape(label[:14])}</text>')
    out.append("</svg>")
    return "".join(out)


# -- matplotlib (--plot, the notebook) -----------------------------------------------------

@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The path of a font on this machine that has Chinese characters (one matplotlib
    knows of, checked for the glyphs 政府), or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    for entry in sorted(font_manager.fontManager.ttflist, key=lambda f: f.fname):
        if "lastresort" in entry.name.replace(" ", "").lower():   # a box for every character, Chinese included
            continue
        try:
            font = FT2Font(entry.fname)
            if all(font.get_char_index(ord(c)) for c in "政府"):
                return entry.fname
        except Exception:     # an unreadable font file is not ours to fix
            continue
    return None


def plot(trend: "Trend", path: str | Path) -> Path:
    """Write the buckets' mentions per 10,000 characters as a bar chart to `path`
    (.svg or .png), the strongest directive strength in each bar's colour.

    Raises:
        GovSpeechError: another suffix, matplotlib missing, or no CJK font for Chinese labels.
    """
    path = Path(path)
    if path.suffix.lower() not in (".svg", ".png"):
        raise GovSpeechError(f"{path}: --plot writes .svg or .png, not {path.suffix or 'a file without suffix'}")
    try:
        import matplotlib
    except ImportError:
        raise GovSpeechError("--plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties

    labels = [_label(b, trend) for b in trend.buckets]
    title = f"“{trend.query}” per 10,000 characters ({'exact' if trend.exact else 'semantic'})"
    font = None
    if not all(t.isascii() for t in [title, *labels]):
        found = cjk_font()
        if found is None:
            raise GovSpeechError(FONT_HINT)
        font = FontProperties(fname=found)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(labels) + 2), 3.6))
    colours = ["#b3261e" if b.strongest == "mandatory" else "#3566a8" for b in trend.buckets]
    ax.bar(range(len(labels)), [b.per_10k for b in trend.buckets], color=colours)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90 if len(labels) > 12 else 0, fontproperties=font, fontsize=8)
    ax.set_ylabel("mentions per 10,000 characters")
    ax.set_title(title, fontproperties=font)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
