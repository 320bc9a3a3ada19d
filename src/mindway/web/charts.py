"""Score charts drawn on the server as SVG: no script, no image requests, and styled by the
stylesheet through class names (the CSP forbids inline styles).

Severity bands are shaded behind the line and named in words, so the chart does not rely on
colour alone; every chart sits next to a table of the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

WIDTH, HEIGHT = 300, 170
LEFT, RIGHT, TOP, BOTTOM = 26, 6, 8, 22
PAD_LEFT, PAD_RIGHT = 10, 22  # room inside the plot for the first dot and the last marker


@dataclass(frozen=True)
class ChartPoint:
    """One score; ``marker`` is "better" or "worse" for a reliable change since the first."""

    when: datetime
    score: int
    label: str
    marker: str | None = None


@dataclass(frozen=True)
class ChartBand:
    low: int
    high: int
    label: str


def _attrs(**values: object) -> Markup:
    """``class_="a", aria_label="b"`` -> ``class="a" aria-label="b"``, values escaped."""
    return Markup(" ").join(
        Markup('{}="{}"').format(name.rstrip("_").replace("_", "-"), value)
        for name, value in values.items()
    )


def _tag(name: str, content: str = "", **values: object) -> Markup:
    """One SVG element; ``content`` is escaped unless it is Markup already."""
    if content:
        return Markup("<{0} {1}>{2}</{0}>").format(name, _attrs(**values), content)
    return Markup("<{} {}/>").format(name, _attrs(**values))


class _Scale:
    def __init__(self, low: int, high: int, points: Sequence[ChartPoint]) -> None:
        self.low, self.high = low, high
        stamps = [p.when.timestamp() for p in points]
        self.first, self.span = min(stamps), max(stamps) - min(stamps)

    def y(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        share = (value - self.low) / (self.high - self.low)
        return round(HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM), 1)

    def x(self, when: datetime) -> float:
        if self.span == 0:
            return round((LEFT + PAD_LEFT + WIDTH - RIGHT - PAD_RIGHT) / 2, 1)
        share = (when.timestamp() - self.first) / self.span
        inner = WIDTH - LEFT - RIGHT - PAD_LEFT - PAD_RIGHT
        return round(LEFT + PAD_LEFT + share * inner, 1)


def _bands(scale: _Scale, bands: Sequence[ChartBand]) -> tuple[list[Markup], list[Markup]]:
    """The shaded bands (drawn first), shaded from 0 (best) to 4 (worst), and their names
    (drawn last, over the line, so a dot never hides one)."""
    shades, names = [], []
    for position, band in enumerate(bands):
        shade = round(position * 4 / max(1, len(bands) - 1))
        top, bottom = scale.y(band.high + 0.5), scale.y(band.low - 0.5)
        height = round(bottom - top, 1)
        shades.append(
            _tag(
                "rect",
                class_=f"band band-{shade}",
                x=LEFT,
                y=top,
                width=WIDTH - LEFT - RIGHT,
                height=height,
            )
        )
        if height >= 12:
            names.append(_tag("text", band.label, class_="band-label", x=LEFT + 3, y=bottom - 3))
    return shades, names


def _axes(scale: _Scale, ticks: Sequence[int], points: Sequence[ChartPoint]) -> list[Markup]:
    parts = [_tag("line", class_="axis", x1=LEFT, y1=TOP, x2=LEFT, y2=HEIGHT - BOTTOM)]
    for tick in ticks:
        parts.append(_tag("text", str(tick), class_="tick", x=LEFT - 3, y=scale.y(tick) + 4))
    dates = [points[0].when] if len(points) == 1 else [points[0].when, points[-1].when]
    for when, anchor in zip(
        dates, ("start", "end") if len(dates) == 2 else ("middle",), strict=True
    ):
        x = scale.x(when) if anchor == "middle" else (LEFT if anchor == "start" else WIDTH - RIGHT)
        parts.append(
            _tag("text", f"{when:%d %b %Y}", class_=f"tick date {anchor}", x=x, y=HEIGHT - 5)
        )
    return parts


def _marker(x: float, y: float, kind: str) -> Markup:
    """A triangle beside the point: pointing down for a reliable fall, up for a rise."""
    tip = 7 if kind == "better" else -7
    corners = f"{x + 7},{y - tip / 2} {x + 15},{y - tip / 2} {x + 11},{y + tip / 2}"
    return _tag("polygon", class_=f"marker {kind}", points=corners)


def _series(
    scale: _Scale,
    points: Sequence[ChartPoint],
    describe: Callable[[ChartPoint], str],
    kind: str = "",
) -> list[Markup]:
    coords = [(scale.x(p.when), scale.y(p.score)) for p in points]
    parts = []
    if len(coords) > 1:
        line = " ".join(f"{x},{y}" for x, y in coords)
        parts.append(_tag("polyline", class_=f"line {kind}".strip(), points=line))
    for point, (x, y) in zip(points, coords, strict=True):
        dot = _tag("circle", cx=x, cy=y, r=4.5 if not kind else 3) + _tag("title", describe(point))
        parts.append(_tag("g", dot, class_=f"point {kind}".strip()))
        if point.marker:
            parts.append(_marker(x, y, point.marker))
    return parts


def score_chart(
    chart_id: str,
    title: str,
    points: Sequence[ChartPoint],
    score_range: tuple[int, int],
    bands: Sequence[ChartBand] = (),
) -> Markup:
    """An SVG line chart of ``points`` (oldest first) over shaded ``bands``."""
    low, high = score_range
    scale = _Scale(low, high, points)
    ticks = sorted({low, high, *(b.low for b in bands)})

    def describe(p: ChartPoint) -> str:
        return (
            f"{p.when:%d %b %Y}: {p.score} ({p.label})"
            if p.label
            else f"{p.when:%d %b %Y}: {p.score}"
        )

    shades, names = _bands(scale, bands)
    body = [*shades, *_axes(scale, ticks, points), *_series(scale, points, describe), *names]
    return _svg(chart_id, title, body)


def _svg(chart_id: str, title: str, body: Sequence[Markup]) -> Markup:
    body = [_tag("title", title, id=f"{chart_id}-title"), *body]
    head = _attrs(
        class_="chart",
        viewBox=f"0 0 {WIDTH} {HEIGHT}",
        role="img",
        aria_labelledby=f"{chart_id}-title",
        xmlns="http://www.w3.org/2000/svg",
    )
    return Markup("<svg {}>{}</svg>").format(head, Markup("").join(body))


def mood_chart(
    chart_id: str, title: str, mood: Sequence[ChartPoint], anxiety: Sequence[ChartPoint]
) -> Markup:
    """Daily mood (solid) and anxiety (dashed) on 0-10, with a legend in words so the two
    lines do not rely on colour alone; shown next to a table of the same numbers."""
    scale = _Scale(0, 10, [*mood, *anxiety])

    def describe(p: ChartPoint) -> str:
        return f"{p.when:%d %b %Y}: {p.label} {p.score}"

    legend = [
        _tag("text", "— mood", class_="legend", x=LEFT + 4, y=TOP + 8),
        _tag("text", "- - anxiety", class_="legend", x=LEFT + 60, y=TOP + 8),
    ]
    body = [
        *_axes(scale, (0, 5, 10), mood or anxiety),
        *_series(scale, mood, describe, "mood"),
        *_series(scale, anxiety, describe, "anxiety"),
        *legend,
    ]
    return _svg(chart_id, title, body)
