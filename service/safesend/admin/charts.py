"""Chart geometry for server-rendered SVG (templates/admin/_charts.html draws it).

Pure functions: values in, rectangles, ticks and a line path out. Colours
come from CSS classes, so the stylesheet owns the palette.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    values: list[int]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    line: str = ""                       # SVG path of the line series
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    line_css: str = ""
    legend: list[tuple[str, str]] = field(default_factory=list)
    empty: bool = False


def nice_scale(maximum: float, ticks: int = 4) -> tuple[float, float]:
    """(top, step): a round top at or above `maximum`, split in about `ticks` steps."""
    if maximum <= 0:
        return 4.0, 1.0
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(maximum / step), step


def stacked_bars(labels: list[str], stacks: list[Series], line: Series | None = None,
                 width: int = 720, height: int = 260) -> Chart:
    left, top, right, bottom = 44, 12, 12, 28
    chart = Chart(width=width, height=height, left=left, top=top,
                  plot_width=width - left - right, plot_height=height - top - bottom,
                  legend=[(s.name, s.css) for s in stacks] + ([(line.name, line.css)] if line else []))
    count = len(labels)
    totals = [sum(s.values[i] for s in stacks) for i in range(count)]
    highest = max(totals + (line.values if line else []) + [0])
    chart.empty = highest == 0
    scale_top, step = nice_scale(highest)
    slot = chart.plot_width / max(count, 1)
    bar_width = max(4.0, min(36.0, slot * 0.62))

    def y_of(value: float) -> float:
        return top + chart.plot_height - value / scale_top * chart.plot_height

    tick = 0.0
    while tick <= scale_top + 1e-9:
        chart.y_ticks.append((round(y_of(tick), 1), f"{tick:,.0f}"))
        tick += step
    every = max(1, math.ceil(count / 8))   # at most ~8 date labels
    for i, label in enumerate(labels):
        centre = left + slot * (i + 0.5)
        if i % every == 0 or i == count - 1:
            chart.x_labels.append((round(centre, 1), label))
        base = 0
        for series in stacks:
            value = series.values[i]
            if value:
                chart.bars.append(Bar(x=round(centre - bar_width / 2, 1), y=round(y_of(base + value), 1),
                                      width=round(bar_width, 1),
                                      height=round(value / scale_top * chart.plot_height, 1),
                                      css=series.css, title=f"{label}: {value:,} {series.name.lower()}"))
            base += value
    if line is not None and count:
        points = [(round(left + slot * (i + 0.5), 1), round(y_of(v), 1)) for i, v in enumerate(line.values)]
        chart.line = "M" + " L".join(f"{x},{y}" for x, y in points)
        chart.dots = [(x, y, f"{labels[i]}: {line.values[i]:,} {line.name.lower()}")
                      for i, (x, y) in enumerate(points)]
        chart.line_css = line.css
    return chart


def sparkline(values: list[int], width: int = 120, height: int = 32) -> str:
    """An SVG path for a small trend line."""
    if not values:
        return ""
    highest = max(values) or 1
    step = width / max(len(values) - 1, 1)
    return "M" + " L".join(f"{round(i * step, 1)},{round(height - 2 - v / highest * (height - 4), 1)}"
                           for i, v in enumerate(values))
