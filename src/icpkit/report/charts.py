"""Charts for the ICP document as inline SVG: no script, no font or file from the network, so the
page opens from an e-mail attachment and prints as it looks.

Every chart shows rates with their 95% intervals, and takes plain numbers (shares in 0-1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from icpkit.report.paragraph import pct

FONT_WIDTH = 6.4  # average width of a 12px character, to fit labels without measuring text


@dataclass(frozen=True)
class Bar:
    """One bar of a win-rate chart: a label, a rate and its interval, and the counts."""

    label: str
    rate: float
    low: float
    high: float
    note: str = ""  # e.g. "184 of 408"
    group: str = ""  # bars with the same group are drawn under one heading
    emphasis: bool = False


def known_bar(
    label: str,
    rate: float | None,
    ci: tuple[float | None, float | None],
    note: str = "",
    group: str = "",
    emphasis: bool = False,
) -> Bar | None:
    """The bar of a rate and its interval as results hold them, None where either is unknown
    (no deals): a chart has nothing to draw for it."""
    low, high = ci
    if rate is None or low is None or high is None:
        return None
    return Bar(label, rate, low, high, note, group, emphasis)


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _fit(text: str, width: float) -> str:
    most = max(4, int(width / FONT_WIDTH))
    return text if len(text) <= most else text[: most - 1] + "…"


def win_rate_bars(bars: list[Bar], title: str, base: float | None, width: int = 680) -> str:
    """Horizontal bars of win rate with interval whiskers, grouped under headings, and the
    average win rate as a dashed line: the chart a reader checks the scorecard against."""
    longest = max([len(b.label) for b in bars] + [6])
    left = min(250, 24 + FONT_WIDTH * longest)
    right = 16 + FONT_WIDTH * max([len(b.note) + 6 for b in bars] + [6])
    row, top = 22, 34
    scale = width - left - right
    ceiling = max([b.high for b in bars] + [base or 0, 0.05])
    ceiling = min(1.0, ceiling * 1.05)
    groups: list[str] = []
    for b in bars:
        if b.group and b.group not in groups:
            groups.append(b.group)
    height = top + row * len(bars) + 20 * len(groups) + 26
    body = [_text(0, 16, title, "chart-title")]
    y = top
    current = None
    for b in bars:
        if b.group and b.group != current:
            current = b.group
            body.append(_text(0, y + 14, _fit(b.group, left + scale), "group"))
            y += 20
        body.append(_text(left - 8, y + 15, _fit(b.label, left - 12), anchor="end"))
        w = max(scale * b.rate / ceiling, 1.0)
        cls = "bar strong" if b.emphasis else "bar"
        body.append(
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" class="{cls}"/>'
        )
        lo, hi = (left + scale * v / ceiling for v in (b.low, b.high))
        body.append(
            f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + row / 2:.1f}" y2="{y + row / 2:.1f}" '
            f'class="ci"/><line x1="{lo:.1f}" x2="{lo:.1f}" y1="{y + 7}" y2="{y + row - 7}" '
            f'class="ci"/><line x1="{hi:.1f}" x2="{hi:.1f}" y1="{y + 7}" y2="{y + row - 7}" '
            'class="ci"/>'
        )
        body.append(_text(left + scale + 8, y + 15, f"{pct(b.rate)}  {b.note}".strip(), "value"))
        y += row
    axis_y = y + 4
    body.append(f'<line x1="{left}" x2="{left + scale}" y1="{axis_y}" y2="{axis_y}" class="axis"/>')
    for tick in _ticks(ceiling):
        x = left + scale * tick / ceiling
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_y}" y2="{axis_y + 4}" class="axis"/>'
        )
        body.append(_text(x, axis_y + 16, pct(tick), "tick", "middle"))
    if base is not None:
        x = left + scale * base / ceiling
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{axis_y}" class="base"/>')
        body.append(_text(x + 4, top - 8, f"average {pct(base)}", "base-label"))
    return _svg(width, height, title, body)


def _ticks(ceiling: float) -> list[float]:
    step = 0.1 if ceiling > 0.3 else 0.05
    if ceiling > 0.7:
        step = 0.2
    count = int(ceiling / step + 1e-9)
    return [round(i * step, 4) for i in range(count + 1)]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    low: float | None = None  # interval on y
    high: float | None = None
    label: str = ""
    kind: str = ""  # css class: "icp", "anti", ...
    filled: bool = True
    size: float = 5.0


def _plot_frame(
    width: int, height: int, title: str, x_label: str, y_label: str, x_max: float, y_max: float
) -> tuple[list[str], Callable[[float], float], Callable[[float], float]]:
    left, right, top, bottom = 56, 16, 30, 42
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(v: float) -> float:
        return left + plot_w * v / x_max

    def sy(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    body = [
        _text(0, 16, title, "chart-title"),
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" class="frame"/>',
    ]
    for tick in _ticks(x_max):
        body.append(
            f'<line x1="{sx(tick):.1f}" x2="{sx(tick):.1f}" y1="{top}" y2="{top + plot_h}" '
            'class="grid"/>'
        )
        body.append(_text(sx(tick), top + plot_h + 14, pct(tick), "tick", "middle"))
    for tick in _ticks(y_max):
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(tick):.1f}" y2="{sy(tick):.1f}" '
            'class="grid"/>'
        )
        body.append(_text(left - 6, sy(tick) + 4, pct(tick), "tick", "end"))
    body.append(_text(left + plot_w / 2, height - 6, x_label, "axis-label", "middle"))
    body.append(
        f'<text transform="translate(12 {top + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle" class="axis-label">{escape(y_label)}</text>'
    )
    return body, sx, sy


def _points(points: list[Point], sx, sy) -> list[str]:
    body = []
    for p in points:
        if p.low is not None and p.high is not None:
            body.append(
                f'<line x1="{sx(p.x):.1f}" x2="{sx(p.x):.1f}" y1="{sy(p.low):.1f}" '
                f'y2="{sy(p.high):.1f}" class="ci {p.kind}"/>'
            )
        fill = "" if p.filled else " hollow"
        body.append(
            f'<circle cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" r="{p.size:.1f}" '
            f'class="dot {p.kind}{fill}"/>'
        )
        if p.label:
            body.append(_text(sx(p.x) + p.size + 3, sy(p.y) - p.size, p.label, "point-label"))
    return body


def gains_chart(points: list[tuple[float, float]], title: str, width: int = 440) -> str:
    """Cumulative gains: deals ordered by score, best first; the share of all wins found in the
    top x% of deals. The diagonal is what a random order finds."""
    height = 300
    body, sx, sy = _plot_frame(
        width, height, title, "share of held-out deals, best score first", "share of wins", 1, 1
    )
    body.append(
        f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(1):.1f}" y2="{sy(1):.1f}" '
        'class="diagonal"/>'
    )
    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in [(0.0, 0.0), *points])
    body.append(f'<polyline points="{path}" class="curve"/>')
    body += _points([Point(x, y, size=3) for x, y in points], sx, sy)
    for x, y in points:
        if abs(x - 0.2) < 0.051 or abs(x - 0.5) < 0.051:
            body.append(_text(sx(x) + 6, sy(y) + 14, f"top {pct(x)}: {pct(y)} of wins", "note"))
    body.append(_text(sx(0.62), sy(0.52), "random order", "note muted"))
    return _svg(width, height, title, body)


def calibration_chart(points: list[Point], title: str, width: int = 440) -> str:
    """Predicted win probability against the observed win rate per group of deals; on the
    diagonal the scores mean what they say."""
    height = 300
    top = max([p.x for p in points] + [p.high or p.y for p in points] + [0.1])
    top = min(1.0, round(top * 1.1 + 0.05, 1))
    body, sx, sy = _plot_frame(
        width, height, title, "predicted win probability", "observed win rate", top, top
    )
    body.append(
        f'<line x1="{sx(0):.1f}" y1="{sy(0):.1f}" x2="{sx(top):.1f}" y2="{sy(top):.1f}" '
        'class="diagonal"/>'
    )
    body += _points(points, sx, sy)
    return _svg(width, height, title, body)


def segment_map(points: list[Point], base: float, title: str, width: int = 680) -> str:
    """Every segment shortlisted: deals covered (x) against win rate (y) with its interval.
    Filled dots beat chance after correction; hollow ones do not. Numbers match the table."""
    height = 340
    x_max = min(1.0, max([p.x for p in points] + [0.1]) * 1.1)
    y_max = min(1.0, max([p.high or p.y for p in points] + [base, 0.1]) * 1.08)
    body, sx, sy = _plot_frame(
        width, height, title, "share of closed deals in the segment", "win rate", x_max, y_max
    )
    body.append(
        f'<line x1="{sx(0):.1f}" x2="{sx(x_max):.1f}" y1="{sy(base):.1f}" y2="{sy(base):.1f}" '
        'class="base"/>'
    )
    body.append(_text(sx(x_max) - 4, sy(base) - 5, f"average {pct(base)}", "base-label", "end"))
    body += _points(points, sx, sy)
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Stage:
    label: str
    count: int
    note: str = ""


def funnel_chart(stages: list[Stage], title: str, width: int = 680) -> str:
    """Tiers as a funnel: each bar's width is its count, widest first, centred."""
    row, top = 34, 30
    height = top + row * len(stages) + 8
    widest = max([s.count for s in stages] + [1])
    centre, span = width * 0.42, width * 0.5
    body = [_text(0, 16, title, "chart-title")]
    for i, stage in enumerate(stages):
        y = top + i * row
        w = max(span * stage.count / widest, 2.0)
        body.append(
            f'<rect x="{centre - w / 2:.1f}" y="{y}" width="{w:.1f}" height="{row - 6}" '
            f'class="funnel tier-{i}"/>'
        )
        body.append(_text(centre, y + row / 2 + 1, f"{stage.count:,}", "funnel-count", "middle"))
        body.append(_text(centre + span / 2 + 10, y + row / 2 - 3, stage.label, "funnel-label"))
        if stage.note:
            body.append(_text(centre + span / 2 + 10, y + row / 2 + 11, stage.note, "note"))
    return _svg(width, height, title, body)
