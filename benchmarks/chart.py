"""A small line chart written as SVG by hand: cost against table size, for the bench page.

No plotting library: the chart is a few dozen SVG elements (axes, grid, one polyline per
workload, a legend), sized to read at 720 px wide. The x axis is logarithmic (sizes span
decades); the y axis is linear from 0, with the "no growth" line at 1 and the tolerance
band shaded.
"""

import math
from xml.sax.saxutils import escape, quoteattr

WIDTH = 720
# Okabe-Ito colours (told apart with the common colour-vision deficiencies), each line
# also with its own dash pattern and marker.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4", "1 2", "12 4")
MARKERS = ("circle", "square", "diamond", "triangle", "circle", "square", "diamond")

LEFT, RIGHT, TOP, PLOT_HEIGHT = 78, 24, 52, 270
LEGEND_ROW = 22
LEGEND_SWATCH = 38  # the line and marker before each legend label
CHARACTER_WIDTH = 7.4  # a generous average at font-size 13, to fit the legend's labels


def size_text(size: float) -> str:
    """100000 -> "100k", 1000000 -> "1M", 2500000 -> "2.5M", 400 -> "400"."""
    for divisor, suffix in ((1_000_000, "M"), (1_000, "k")):
        if size >= divisor:
            return f"{size / divisor:.3g}{suffix}"
    return f"{size:g}"


def _nice_step(span: float, ticks: int = 6) -> float:
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def _marker(kind: str, x: float, y: float, colour: str, title: str = "") -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    if kind == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">'
            f"{tip}</rect>"
        )
    if kind == "diamond":
        points = (
            f"{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y:.1f} "
            f"{x:.1f},{y + 5.5:.1f} {x - 5.5:.1f},{y:.1f}"
        )
        return f'<polygon points="{points}" fill="{colour}">{tip}</polygon>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 5.5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{colour}">{tip}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}">{tip}</circle>'


def line_chart_svg(
    lines: list[dict],
    *,
    title: str,
    x_label: str,
    y_label: str,
    reference: float = 1.0,
    reference_label: str = "",
    band: float | None = None,
    band_label: str = "",
) -> str:
    """An SVG line chart, x on a log scale.

    ``lines``: ``[{"label": str, "points": [(x, y) or (x, y, note), ...], "style": int}, ...]``
    (``style``, optional, picks the colour, dash and marker); ``x`` must be positive.
    ``reference`` draws a dashed line at that y (1: no growth); ``band`` shades y from 0 up
    to it (the tolerance). Their labels, if any, go in the legend after the lines, where
    they never cover one.
    """
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    legend = [line["label"] for line in lines]
    legend += [label for label in (band_label if band else "", reference_label) if label]
    # Two legend columns when every label fits in half the width, else one.
    widest = max((len(label) for label in legend), default=0) * CHARACTER_WIDTH
    columns = 2 if LEGEND_SWATCH + widest + 16 <= (plot_right - plot_left) / 2 else 1
    legend_rows = math.ceil(len(legend) / columns) if legend else 1
    plot_top, plot_bottom = TOP, TOP + PLOT_HEIGHT
    legend_top = plot_bottom + 62
    height = legend_top + legend_rows * LEGEND_ROW + 12

    xs = [point[0] for line in lines for point in line["points"]] or [1.0, 10.0]
    ys = [point[1] for line in lines for point in line["points"]] or [reference]
    low, high = math.log10(min(xs)), math.log10(max(xs))
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    top_value = max(max(ys), band or 0, reference) * 1.12
    step = _nice_step(top_value)
    y_max = math.ceil(top_value / step) * step

    def x_at(value: float) -> float:
        return plot_left + (math.log10(value) - low) / (high - low) * (plot_right - plot_left)

    def y_at(value: float) -> float:
        return plot_bottom - value / y_max * (plot_bottom - plot_top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label={quoteattr(title)} '
        'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{WIDTH / 2:.0f}" y="28" text-anchor="middle" font-size="16" '
        f'font-weight="bold" fill="#222">{escape(title)}</text>',
    ]
    if band:
        out.append(
            f'<rect x="{plot_left}" y="{y_at(band):.1f}" width="{plot_right - plot_left}" '
            f'height="{plot_bottom - y_at(band):.1f}" fill="#e8f3e8"/>'
        )
    # Horizontal grid and y ticks.
    tick = 0.0
    while tick <= y_max + step / 1000:
        y = y_at(tick)
        out.append(
            f'<line x1="{plot_left}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}" '
            'stroke="#dddddd" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{plot_left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#333">'
            f"{tick:g}×</text>"
        )
        tick += step
    # Vertical grid and x ticks, at every size measured.
    for value in sorted(set(xs)):
        x = x_at(value)
        out.append(
            f'<line x1="{x:.1f}" y1="{plot_top}" x2="{x:.1f}" y2="{plot_bottom}" '
            'stroke="#eeeeee" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{plot_bottom + 18}" text-anchor="middle" fill="#333">'
            f"{escape(size_text(value))}</text>"
        )
    # The reference line (no growth).
    out.append(
        f'<line x1="{plot_left}" y1="{y_at(reference):.1f}" x2="{plot_right}" '
        f'y2="{y_at(reference):.1f}" stroke="#555555" stroke-width="1.2" '
        'stroke-dasharray="5 4"/>'
    )
    # Axes and their labels.
    out += [
        f'<line x1="{plot_left}" y1="{plot_bottom}" x2="{plot_right}" y2="{plot_bottom}" '
        'stroke="#333333" stroke-width="1.2"/>',
        f'<line x1="{plot_left}" y1="{plot_top}" x2="{plot_left}" y2="{plot_bottom}" '
        'stroke="#333333" stroke-width="1.2"/>',
        f'<text x="{(plot_left + plot_right) / 2:.0f}" y="{plot_bottom + 40}" '
        f'text-anchor="middle" fill="#222">{escape(x_label)}</text>',
        f'<text transform="translate(20 {(plot_top + plot_bottom) / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle" fill="#222">{escape(y_label)}</text>',
    ]
    # The lines, then the legend.
    column_width = (plot_right - plot_left) / columns

    def legend_at(position: int) -> tuple[float, float]:
        row, column = divmod(position, columns)
        return plot_left + column * column_width, legend_top + row * LEGEND_ROW

    for index, line in enumerate(lines):
        style = line.get("style", index)
        colour, dash = COLOURS[style % len(COLOURS)], DASHES[style % len(DASHES)]
        marker = MARKERS[style % len(MARKERS)]
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        points = sorted(line["points"], key=lambda point: point[0])
        path = " ".join(f"{x_at(point[0]):.1f},{y_at(point[1]):.1f}" for point in points)
        out.append(f"<g><title>{escape(line['label'])}</title>")
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round"{dash_attribute}/>'
        )
        for point in points:
            note = f", {point[2]}" if len(point) > 2 else ""
            tip = f"{line['label']}: {size_text(point[0])}, {point[1]:.2f}×{note}"
            out.append(_marker(marker, x_at(point[0]), y_at(point[1]), colour, tip))
        out.append("</g>")
        x, y = legend_at(index)
        out.append(
            f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 30:.1f}" y2="{y:.1f}" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attribute}/>'
        )
        out.append(_marker(marker, x + 15, y, colour))
        out.append(
            f'<text x="{x + LEGEND_SWATCH:.1f}" y="{y + 4.5:.1f}" fill="#222">'
            f"{escape(line['label'])}</text>"
        )
    position = len(lines)
    if band and band_label:
        x, y = legend_at(position)
        out.append(
            f'<rect x="{x:.1f}" y="{y - 7:.1f}" width="30" height="14" fill="#e8f3e8" '
            'stroke="#b5d6b5"/>'
        )
        out.append(
            f'<text x="{x + LEGEND_SWATCH:.1f}" y="{y + 4.5:.1f}" fill="#222">'
            f"{escape(band_label)}</text>"
        )
        position += 1
    if reference_label:
        x, y = legend_at(position)
        out.append(
            f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 30:.1f}" y2="{y:.1f}" stroke="#555555" '
            'stroke-width="1.2" stroke-dasharray="5 4"/>'
        )
        out.append(
            f'<text x="{x + LEGEND_SWATCH:.1f}" y="{y + 4.5:.1f}" fill="#222">'
            f"{escape(reference_label)}</text>"
        )
    if not lines:
        out.append(
            f'<text x="{WIDTH / 2:.0f}" y="{(plot_top + plot_bottom) / 2:.0f}" '
            'text-anchor="middle" fill="#777">no figures</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def growth_svg(growth: dict, lines: list[dict]) -> str:
    """The bench's cost-growth chart: ``lines`` from ``growth.chart_lines``."""
    smallest = size_text(growth["sizes"][0]) if growth["sizes"] else "the smallest size"
    tolerance = growth["tolerance"]
    return line_chart_svg(
        lines,
        title="Cost growth with table size",
        x_label="baskets in the database (log scale)",
        y_label=f"cost per request or row, ÷ cost at {smallest}",
        reference=1.0,
        reference_label=f"1×: the same cost as at {smallest}",
        band=tolerance,
        band_label=f"up to {tolerance:g}×: flat or linear",
    )
