"""Charts as inline SVG, made at build time: no chart library reaches the browser.

Each function returns SVG markup (a `markupsafe.Markup`, so Jinja2 prints it as it stands) with
`role="img"`, an `aria-labelledby` pointing at its own `<title>`, and every piece of text escaped.
Pages print the numbers behind each chart in a table beside it, so the chart is never the only
way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from hashlib import sha256

from markupsafe import Markup, escape

Number = int | float | Decimal

WIDTH = 640


def _id(prefix: str, title: str) -> str:
    """An element id from the chart's title: the same on every build, distinct per chart."""
    return f"{prefix}-{sha256(title.encode('utf-8')).hexdigest()[:10]}"


def _fmt(value: float) -> str:
    """A coordinate with at most one decimal, so the markup stays small and stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(width: int, height: int, title: str, kind: str) -> tuple[str, str]:
    title_id = _id(f"chart-{kind}", title)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{title_id}">'
        f'<title id="{title_id}">{escape(title)}</title>'
    )
    return head, "</svg>"


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n at least `value`: a round top for the axis."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value:
        step /= 10
    for mult in (1, 2, 5, 10):
        if step * mult >= value:
            return step * mult
    return step * 10


def bar_chart(
    bars: Sequence[tuple[str, Number]], *, title: str, value_label: str = "",
    height: int = 220,
) -> Markup:
    """Vertical bars, one per (label, value), labelled under the axis and valued above the bar."""
    head, tail = _open(WIDTH, height, title, "bar")
    parts = [head]
    left, right, top, bottom = 8, 8, 22, 28
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    top_value = _nice_max(max((float(v) for _, v in bars), default=0.0))
    slot = plot_w / max(len(bars), 1)
    bar_w = min(slot * 0.7, 80)
    base = top + plot_h
    parts.append(f'<line class="axis" x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}"/>')
    for i, (label, value) in enumerate(bars):
        h = plot_h * float(value) / top_value
        x = left + slot * i + (slot - bar_w) / 2
        cx = _fmt(x + bar_w / 2)
        text = f"{label}: {value_label.format(value) if value_label else value}"
        parts.append(
            f'<rect class="bar" x="{_fmt(x)}" y="{_fmt(base - h)}" width="{_fmt(bar_w)}" '
            f'height="{_fmt(h)}"><title>{escape(text)}</title></rect>'
            f'<text class="label" x="{cx}" y="{base + 18}" text-anchor="middle">'
            f"{escape(label)}</text>"
            f'<text class="value" x="{cx}" y="{_fmt(base - h - 5)}" text-anchor="middle">'
            f"{escape(value_label.format(value) if value_label else str(value))}</text>"
        )
    parts.append(tail)
    return Markup("".join(parts))


@dataclass(frozen=True)
class Bin:
    """A histogram bin: values v with low <= v < high."""

    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        return str(self.low) if self.high == self.low + 1 else f"{self.low}–{self.high - 1}"


def bins(values: Sequence[Number], *, width: int = 0, limits: Sequence[Number] = ()) -> list[Bin]:
    """Integer bins covering every value (and every limit, so its line falls on the axis)."""
    if not values:
        return []
    top = max([float(v) for v in values] + [float(v) for v in limits])
    if width <= 0:
        width = max(1, -(-int(top + 1) // 20))  # at most about 20 bins
    n = int(top // width) + 1
    counts = [0] * n
    for v in values:
        counts[int(float(v) // width)] += 1
    return [Bin(i * width, (i + 1) * width, c) for i, c in enumerate(counts)]


def histogram(
    histogram_bins: Sequence[Bin], *, title: str,
    markers: Sequence[tuple[str, Number]] = (), height: int = 220,
) -> Markup:
    """Bars of counts over integer bins, with a labelled vertical line at each marker value."""
    head, tail = _open(WIDTH, height, title, "histogram")
    parts = [head]
    left, right, top, bottom = 8, 8, 34, 28
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    span = histogram_bins[-1].high if histogram_bins else 1
    top_count = _nice_max(max((b.count for b in histogram_bins), default=0))
    base = top + plot_h

    def x_of(v: float) -> float:
        return left + plot_w * v / span

    parts.append(f'<line class="axis" x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}"/>')
    for b in histogram_bins:
        h = plot_h * b.count / top_count
        x0, x1 = x_of(b.low), x_of(b.high)
        if b.count:
            parts.append(
                f'<rect class="bar" x="{_fmt(x0 + 0.5)}" y="{_fmt(base - h)}" '
                f'width="{_fmt(max(x1 - x0 - 1, 1))}" height="{_fmt(h)}">'
                f"<title>{escape(b.label)}: {b.count}</title></rect>"
            )
    # Ticks at the bins' edges, at most ten of them.
    step = max(1, len(histogram_bins) // 10)
    for b in list(histogram_bins)[::step]:
        parts.append(
            f'<text class="label" x="{_fmt(x_of(b.low))}" y="{base + 18}" text-anchor="middle">'
            f"{b.low}</text>"
        )
    for i, (label, value) in enumerate(markers):
        x = _fmt(x_of(float(value)))
        y = 12 + 14 * (i % 2)
        parts.append(
            f'<line class="marker marker-{i}" x1="{x}" y1="{y + 2}" x2="{x}" y2="{base}"/>'
            f'<text class="marker-label" x="{x}" y="{y}" text-anchor="middle">'
            f"{escape(label)} {escape(str(value))}</text>"
        )
    parts.append(tail)
    return Markup("".join(parts))


@dataclass(frozen=True)
class Span:
    """One row of a Gantt chart: from start to end (None: still open, drawn to `until`)."""

    label: str
    start: datetime
    end: datetime | None


def gantt(
    spans: Sequence[Span], *, title: str, until: datetime | None = None, row_height: int = 26,
) -> Markup:
    """Horizontal bars on a shared time axis, one row per span, labelled with their dates."""
    label_w, right, top = 200, 12, 24
    height = top + row_height * max(len(spans), 1) + 8
    head, tail = _open(WIDTH, height, title, "gantt")
    parts = [head]
    if not spans:
        parts.append(tail)
        return Markup("".join(parts))
    first = min(s.start for s in spans)
    ends = [s.end for s in spans if s.end is not None]
    last = max([*ends, until] if until else ends, default=first)
    last = max(last, max(s.start for s in spans))
    total = max((last - first).total_seconds(), 86400.0)
    plot_w = WIDTH - label_w - right

    def x_of(moment: datetime) -> float:
        return label_w + plot_w * (moment - first).total_seconds() / total

    parts.append(
        f'<text class="label" x="{label_w}" y="14">{escape(first.strftime("%Y-%m-%d"))}</text>'
        f'<text class="label" x="{WIDTH - right}" y="14" text-anchor="end">'
        f'{escape(last.strftime("%Y-%m-%d"))}</text>'
    )
    for i, span in enumerate(spans):
        y = top + row_height * i
        end = span.end or last
        x0, x1 = x_of(span.start), x_of(end)
        cls = "bar" if span.end is not None else "bar open"
        days = (end - span.start).total_seconds() / 86400
        parts.append(
            f'<text class="row-label" x="{label_w - 6}" y="{y + row_height * 0.65:.1f}" '
            f'text-anchor="end">{escape(span.label[:18])}</text>'
            f'<rect class="{cls}" x="{_fmt(x0)}" y="{y + 4}" width="{_fmt(max(x1 - x0, 2))}" '
            f'height="{row_height - 8}"><title>{escape(span.label)}: '
            f'{escape(span.start.strftime("%Y-%m-%d"))} – '
            f'{escape(span.end.strftime("%Y-%m-%d") if span.end else "…")} '
            f"({days:.1f})</title></rect>"
        )
    parts.append(tail)
    return Markup("".join(parts))
