"""AB-6: the analytics chart, drawn on the server as SVG (no script, no CDN)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..selectors import DayFigures

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 56, 16, 28  # room for the axis labels


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    plot_right: int
    bars: list[dict]
    abandonment_line: str
    recovery_line: str
    revenue_max: str
    labels: list[dict]


def daily_chart(days: list[DayFigures]) -> Chart:
    """Recovered revenue as bars (right axis), abandonment and recovery rates as lines
    (left axis, 0-100 %), one slot per day."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(days), 1)
    revenue_max = max((day.recovered_revenue for day in days), default=0) or 1

    def x(index: int) -> float:
        return LEFT + slot * index + slot / 2

    def y(rate: float) -> float:
        return TOP + plot_height * (1 - min(rate, 1.0))

    bars = []
    for index, day in enumerate(days):
        height = float(day.recovered_revenue / revenue_max) * plot_height
        bars.append(
            {
                "x": f"{x(index) - slot * 0.35:.1f}",
                "y": f"{TOP + plot_height - height:.1f}",
                "width": f"{slot * 0.7:.1f}",
                "height": f"{height:.1f}",
                "title": _(
                    "%(day)s: %(abandoned)s abandoned, %(recovered)s recovered, "
                    "%(revenue)s recovered"
                )
                % {
                    "day": f"{day.day:%m/%d/%Y}",
                    "abandoned": f"{day.abandonment_rate:.0%}",
                    "recovered": f"{day.recovery_rate:.0%}",
                    "revenue": day.recovered_revenue,
                },
            }
        )
    step = max(1, len(days) // 8)  # at most about eight date labels
    labels = [
        {"x": f"{x(index):.1f}", "text": f"{day.day:%m/%d}"}
        for index, day in enumerate(days)
        if index % step == 0
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_top=TOP,
        plot_bottom=TOP + plot_height,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        bars=bars,
        abandonment_line=" ".join(
            f"{x(i):.1f},{y(day.abandonment_rate):.1f}" for i, day in enumerate(days)
        ),
        recovery_line=" ".join(
            f"{x(i):.1f},{y(day.recovery_rate):.1f}" for i, day in enumerate(days)
        ),
        revenue_max=f"{revenue_max:.2f}" if revenue_max != 1 else "0.00",
        labels=labels,
    )
