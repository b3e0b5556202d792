"""``{% usage_charts user %}``: the generation charts shown on "My statistics"."""

from __future__ import annotations

from typing import Any

from django import template

from generation import charts, selectors

register = template.Library()


@register.inclusion_tag("generation/_usage_charts.html")
def usage_charts(user: Any, days: int = 30) -> dict[str, Any]:
    usage = selectors.generation_usage_by_day(owner=user, days=days)
    per_day = charts.bar_chart(
        bars=[
            charts.Bar(
                label=item.day.strftime("%d %b"),
                value=item.count,
                title=f"{item.day:%d %b %Y}: {item.count} generation(s)",
            )
            for item in usage
        ],
        title=f"Generations per day, last {days} days",
        whole_numbers=True,
    )
    seconds = charts.bar_chart(
        bars=[
            charts.Bar(
                label=item.day.strftime("%d %b"),
                value=item.avg_processing_seconds,
                title=f"{item.day:%d %b %Y}: {item.avg_processing_seconds:.1f} s on average",
            )
            for item in usage
        ],
        title=f"Average processing time per day (seconds), last {days} days",
        unit=" s",
    )
    return {
        "days": days,
        "per_day": per_day,
        "seconds": seconds,
        "total": sum(item.count for item in usage),
    }
