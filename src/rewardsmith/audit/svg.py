"""Small inline-SVG plots for the report: histograms, line charts, scatter plots.

Written by hand rather than with a plotting library so the report needs no extra dependency,
renders crisply at any zoom and stays one self-contained file with no network access.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

WIDTH, HEIGHT = 460, 230
LEFT, RIGHT, TOP, BOTTOM = 52, 14, 28, 42
PALETTE = ("#3b6fb6", "#d9822b", "#4a9c6d", "#9b59b6", "#c0392b", "#7f8c8d")
# Curves that coincide stay visible: each series has its own dash pattern, drawn over the previous.
DASHES = ("", "7 4", "2 3", "10 3 2 3")
# The legend is a column right of the plot area, never inside it: a line sample, then the name.
LEGEND_SAMPLE, LEGEND_ROW = 22, 18
CHAR_WIDTH = 7.0  # an upper bound for the mean advance of the 12 px legend font


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000 or magnitude < 0.01:
        return f"{value:.2g}"
    return f"{value:.3g}"


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * step:
            step *= factor
            break
    start = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = start
    while value <= high + 1e-9 * step:
        ticks.append(round(value, 12))
        value += step
    return ticks


class _Frame:
    """Maps data coordinates to the plot area and draws axes, grid and labels."""

    def __init__(
        self,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        x_label: str,
        y_label: str,
        legend_width: float = 0.0,
    ):
        self.x0, self.x1 = x_range if x_range[1] > x_range[0] else (x_range[0] - 0.5, x_range[0] + 0.5)
        self.y0, self.y1 = y_range if y_range[1] > y_range[0] else (y_range[0], y_range[0] + 1)
        self.x_label, self.y_label = x_label, y_label
        self.width = WIDTH + legend_width
        self.parts: list[str] = []

    def x(self, value: float) -> float:
        return LEFT + (value - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return HEIGHT - BOTTOM - (value - self.y0) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)

    def axes(self, x_ticks: Sequence[tuple[float, str]] | None = None) -> None:
        for tick in _ticks(self.y0, self.y1):
            y = self.y(tick)
            self.parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
            self.parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
        ticks = x_ticks if x_ticks is not None else [(t, _fmt(t)) for t in _ticks(self.x0, self.x1)]
        for value, label in ticks:
            x = self.x(value)
            self.parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{html.escape(label)}</text>'
            )
        base = HEIGHT - BOTTOM
        self.parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" class="axis"/>')
        self.parts.append(
            f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" text-anchor="middle" class="label">'
            f"{html.escape(self.x_label)}</text>"
        )
        self.parts.append(
            f'<text transform="translate(13,{(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" text-anchor="middle" '
            f'class="label">{html.escape(self.y_label)}</text>'
        )

    def svg(self, title: str) -> str:
        body = "".join(self.parts)
        return (
            f'<svg class="plot" viewBox="0 0 {self.width:g} {HEIGHT}" width="{self.width:g}" height="{HEIGHT}" '
            f'role="img" xmlns="http://www.w3.org/2000/svg"><title>{html.escape(title)}</title>{body}</svg>'
        )


def histogram(hist: dict[str, Any], title: str, x_label: str = "reward", color: str = PALETTE[0]) -> str:
    """Bars for a histogram as :func:`rewardsmith.audit.common.histogram` describes it."""
    counts = hist["counts"]
    top = max(counts) if counts else 1
    if hist["kind"] == "discrete":
        slots = len(counts)
        frame = _Frame((0, slots), (0, top), x_label, "records")
        frame.axes([(i + 0.5, _fmt(v)) for i, v in enumerate(hist["values"])])
        lefts = [(i + 0.1, i + 0.9) for i in range(slots)]
    else:
        edges = hist["edges"]
        frame = _Frame((edges[0], edges[-1]), (0, top), x_label, "records")
        frame.axes()
        lefts = [(edges[i], edges[i + 1]) for i in range(len(counts))]
    for (a, b), count in zip(lefts, counts, strict=True):
        x0, x1, y = frame.x(a), frame.x(b), frame.y(count)
        frame.parts.append(
            f'<rect x="{x0 + 0.5:.1f}" y="{y:.1f}" width="{max(x1 - x0 - 1, 1):.1f}" '
            f'height="{frame.y(0) - y:.1f}" fill="{color}"><title>{count}</title></rect>'
        )
    return frame.svg(title)


def legend_width(names: Sequence[str]) -> float:
    """Room for the legend column: the margin, a line sample and the longest name."""
    return 8 + LEGEND_SAMPLE + 6 + CHAR_WIDTH * max((len(n) for n in names), default=0) + 6


def lines(
    x: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    x_label: str,
    y_label: str,
    y_range: tuple[float, float] | None = None,
    diagonal: bool = False,
) -> str:
    """One line with markers per series, the legend in a column right of the plot area (it can
    cover no curve); ``diagonal`` draws y = x."""
    values = [v for s in series.values() for v in s if v is not None]
    low, high = y_range or (min(values, default=0.0), max(values, default=1.0))
    frame = _Frame((min(x), max(x)), (low, high), x_label, y_label, legend_width(list(series)))
    frame.axes([(v, _fmt(v)) for v in x] if len(x) <= 12 else None)
    legend = []
    for index, (name, ys) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        stroke = f' stroke-dasharray="{dash}"' if dash else ""
        points = [(frame.x(a), frame.y(b)) for a, b in zip(x, ys, strict=True) if b is not None]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            frame.parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{stroke}/>')
            frame.parts.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>' for px, py in points)
        lx, ly = WIDTH + 8, TOP + 6 + index * LEGEND_ROW
        legend.append(
            f'<line x1="{lx}" x2="{lx + LEGEND_SAMPLE}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="2"{stroke}/>'
            f'<circle cx="{lx + LEGEND_SAMPLE / 2:g}" cy="{ly}" r="3" fill="{color}"/>'
            f'<text x="{lx + LEGEND_SAMPLE + 6}" y="{ly + 4}" class="legend">{html.escape(name)}</text>'
        )
    if diagonal:
        a, b = max(frame.x0, frame.y0), min(frame.x1, frame.y1)
        frame.parts.append(
            f'<line x1="{frame.x(a):.1f}" y1="{frame.y(a):.1f}" x2="{frame.x(b):.1f}" y2="{frame.y(b):.1f}" '
            'class="diag"/>'
        )
    frame.parts.append(f'<g class="legend">{"".join(legend)}</g>')
    return frame.svg(title)


def scatter(x: Sequence[float], y: Sequence[float], title: str, x_label: str, y_label: str) -> str:
    """Points with some transparency, so dense regions read darker."""
    frame = _Frame((min(x, default=0), max(x, default=1)), (min(y, default=0), max(y, default=1)), x_label, y_label)
    frame.axes()
    frame.parts.extend(
        f'<circle cx="{frame.x(a):.1f}" cy="{frame.y(b):.1f}" r="2.2" fill="{PALETTE[0]}" fill-opacity="0.35"/>'
        for a, b in zip(x, y, strict=True)
    )
    return frame.svg(title)
