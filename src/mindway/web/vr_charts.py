"""Session plots drawn on the server as SVG (no script; the CSP forbids inline styles, so
lines use presentation attributes and class names). Each plot sits next to the events table
that lists the same changes in words."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 600, 150, 40, 20, 8
STATE_CLASS = {"coping": "vr-band-coping", "paused": "vr-band-paused"}


def _bounds(
    values: Sequence[float | None], low: float | None, high: float | None
) -> tuple[float, float]:
    present = [v for v in values if v is not None]
    lo = low if low is not None else min(present, default=0.0)
    hi = high if high is not None else max(present, default=1.0)
    return (lo, hi + 1.0) if hi <= lo else (lo, hi)


def series_chart(
    chart_id: str,
    title: str,
    t: Sequence[float],
    values: Sequence[float | None],
    low: float | None = None,
    high: float | None = None,
    states: Sequence[str] | None = None,
    dots: Sequence[float | None] | None = None,
) -> Markup:
    """A line over session time; gaps where values are missing; coping/paused spans shaded;
    ``dots`` (e.g. SUDS answers) drawn as points on the same scale."""
    lo, hi = _bounds([*values, *(dots or [])], low, high)
    end = max(t[-1] if t else 1.0, 1.0)

    def x(seconds: float) -> float:
        return LEFT + (WIDTH - LEFT - 4) * seconds / end

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - lo) / (hi - lo))

    parts: list[str] = []
    for i, state in enumerate(states or []):
        if state in STATE_CLASS and i + 1 < len(t):
            parts.append(
                f'<rect class="{STATE_CLASS[state]}" x="{x(t[i]):.1f}" y="{TOP}" '
                f'width="{max(x(t[i + 1]) - x(t[i]), 0.5):.1f}" height="{HEIGHT - TOP - BOTTOM}" '
                'fill="#dde8f4"/>'
            )
    runs: list[list[str]] = [[]]
    for seconds, value in zip(t, values, strict=True):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{x(seconds):.1f},{y(value):.1f}")
    for run in runs:
        if len(run) > 1:
            parts.append(
                f'<polyline class="vr-line" fill="none" stroke="#1f5f99" stroke-width="1.5" '
                f'points="{" ".join(run)}"/>'
            )
    for seconds, value in zip(t, dots or [], strict=False):
        if value is not None:
            cx, cy = x(seconds), y(value)
            parts.append(
                f'<circle class="vr-dot" cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="#b04a1a"/>'
            )
    axis = HEIGHT - BOTTOM
    parts.append(f'<line x1="{LEFT}" y1="{axis}" x2="{WIDTH}" y2="{axis}" stroke="#777"/>')
    for value in (lo, hi):
        parts.append(f'<text x="2" y="{y(value) + 4:.1f}" font-size="10">{value:g}</text>')
    parts.append(
        f'<text x="{WIDTH - 60}" y="{HEIGHT - 4}" font-size="10">{end / 60:.1f} min</text>'
    )
    label = escape(title)
    # Every piece is numbers or escaped text built above.
    return Markup(  # noqa: S704
        f'<figure class="vr-chart" id="chart-{escape(chart_id)}"><figcaption>{label}</figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}">'
        + "".join(parts)
        + "</svg></figure>"
    )
