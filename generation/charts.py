"""Small server-side SVG bar charts (no JavaScript, no CDN, readable without colour)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
HEIGHT = 200
MARGIN_LEFT = 44
MARGIN_BOTTOM = 28
MARGIN_TOP = 12


@dataclass(frozen=True)
class Bar:
    label: str  # x-axis label (shown for some bars)
    value: float
    title: str  # tooltip and accessible text


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5):
        for magnitude in range(-2, 7):
            candidate = step * 10**magnitude
            if candidate >= value:
                return float(candidate)
    return value


def bar_chart(
    *, bars: Sequence[Bar], title: str, unit: str = "", whole_numbers: bool = False
) -> SafeString:
    """An accessible SVG bar chart; every bar has a <title> with its exact value."""
    top = _nice_max(max((bar.value for bar in bars), default=0.0))
    plot_width = WIDTH - MARGIN_LEFT - 8
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = plot_width / max(len(bars), 1)
    label_every = max(1, len(bars) // 6)
    rects = []
    for index, bar in enumerate(bars):
        height = 0.0 if top == 0 else plot_height * bar.value / top
        x = MARGIN_LEFT + index * slot + slot * 0.15
        y = MARGIN_TOP + plot_height - height
        rects.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{slot * 0.7:.1f}",
                f"{height:.1f}",
                bar.title,
            )
        )
    labels = [
        (f"{MARGIN_LEFT + index * slot + slot / 2:.1f}", HEIGHT - 8, bar.label)
        for index, bar in enumerate(bars)
        if index % label_every == 0
    ]
    ticks = [
        (MARGIN_TOP + plot_height * (1 - fraction), _format(top * fraction) + unit)
        for fraction in (0, 0.5, 1)
        # Counts get no "0.5" tick.
        if not (whole_numbers and fraction == 0.5 and top * fraction != int(top * fraction))
    ]
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>'
        '<g class="chart-grid">{grid}</g><g class="chart-bars">{rects}</g>'
        '<g class="chart-labels">{labels}</g></svg>',
        w=WIDTH,
        h=HEIGHT,
        t=title,
        grid=format_html_join(
            "",
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#dfe2ee"/>'
            '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#5b6178">{}</text>',
            (
                (
                    MARGIN_LEFT,
                    WIDTH - 8,
                    f"{y:.1f}",
                    f"{y:.1f}",
                    MARGIN_LEFT - 6,
                    f"{y + 4:.1f}",
                    text,
                )
                for y, text in ticks
            ),
        ),
        rects=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="#3b4cca">'
            "<title>{}</title></rect>",
            rects,
        ),
        labels=format_html_join(
            "",
            '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#5b6178">{}</text>',
            labels,
        ),
    )


def _format(value: float) -> str:
    if value >= 10 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.1f}"
