"""An interval chart for personal insights: each finding's estimate as a dot and its 95%
interval as a line, against a zero line, so how sure a finding is can be seen at a glance.
Server-side SVG styled by class names (the CSP forbids inline styles), next to the words."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from mindway.services.therapy_feedback import FindingPublic

WIDTH, ROW, LEFT, RIGHT, TOP = 300, 26, 92, 10, 18


def _x(value: float, low: float, high: float) -> float:
    return round(LEFT + (value - low) / (high - low) * (WIDTH - LEFT - RIGHT), 1)


def interval_chart(chart_id: str, title: str, findings: Sequence[FindingPublic]) -> Markup | None:
    """Mood differences (points) with their intervals; ``None`` when there is none to draw."""
    rows = [f for f in findings if f.kind == "activity_mood" and f.ci_low is not None]
    if not rows:
        return None
    bound = max(max(abs(f.ci_low or 0), abs(f.ci_high or 0)) for f in rows)
    low, high = -max(1.0, bound), max(1.0, bound)
    height = TOP + ROW * len(rows) + 18
    zero = _x(0, low, high)
    parts = [
        Markup('<title id="{}-title">{}</title>').format(chart_id, title),
        Markup('<line class="axis" x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>').format(
            zero, TOP - 6, height - 16
        ),
        Markup('<text class="tick middle" x="{}" y="{}">0</text>').format(zero, height - 4),
        Markup('<text class="legend" x="{}" y="12">mood difference (points)</text>').format(LEFT),
    ]
    for index, f in enumerate(rows):
        y = TOP + ROW * index + ROW / 2
        x1, x2 = _x(f.ci_low or 0, low, high), _x(f.ci_high or 0, low, high)
        label = f"{f.subject}: {f.estimate:+.1f} ({f.ci_low:.1f} to {f.ci_high:.1f})"
        parts += [
            Markup('<text class="legend" x="4" y="{}">{}</text>').format(y + 4, f.subject),
            Markup('<line class="line interval" x1="{}" y1="{}" x2="{}" y2="{}"/>').format(
                x1, y, x2, y
            ),
            Markup(
                '<g class="point"><circle cx="{}" cy="{}" r="4.5"/><title>{}</title></g>'
            ).format(_x(f.estimate, low, high), y, label),
        ]
    head = Markup(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" '
        'xmlns="http://www.w3.org/2000/svg">'
    ).format(WIDTH, height, chart_id)
    return head + Markup("").join(parts) + Markup("</svg>")
