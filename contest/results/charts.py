"""Chart geometry for the results page: numbers in, SVG coordinates out (drawn by the template)."""
from __future__ import annotations

WIDTH, HEIGHT, PAD = 320, 220, 30


def scatter(points: list[tuple[str, float, float, bool]]) -> dict:
    """Judges as (label, leniency, scale, outlier) placed in a WIDTH x HEIGHT box with axes."""
    if not points:
        return {"points": [], "width": WIDTH, "height": HEIGHT}
    xs = [p[1] for p in points] + [0.0]
    ys = [p[2] for p in points] + [1.0]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    x_span, y_span = (x1 - x0) or 1.0, (y1 - y0) or 1.0

    def place(x, y):
        return (PAD + (x - x0) / x_span * (WIDTH - 2 * PAD), HEIGHT - PAD - (y - y0) / y_span * (HEIGHT - 2 * PAD))

    zero_x, one_y = place(0.0, 1.0)
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD, "zero_x": round(zero_x, 1), "one_y": round(one_y, 1),
            "x_range": (round(x0, 2), round(x1, 2)), "y_range": (round(y0, 2), round(y1, 2)),
            "points": [{"label": label, "x": round(place(x, y)[0], 1), "y": round(place(x, y)[1], 1),
                        "outlier": outlier} for label, x, y, outlier in points]}


def histogram(values: list[float], bins: int = 10, low: float = 0.0, high: float = 100.0) -> dict:
    """Counts of scores in equal bins over [low, high], scaled to bar heights."""
    counts = [0] * bins
    for value in values:
        index = min(bins - 1, max(0, int((value - low) / (high - low) * bins)))
        counts[index] += 1
    top = max(counts) or 1
    bar = (WIDTH - 2 * PAD) / bins
    return {"width": WIDTH, "height": HEIGHT, "pad": PAD,
            "bars": [{"x": round(PAD + i * bar, 1), "w": round(bar - 2, 1),
                      "h": round(n / top * (HEIGHT - 2 * PAD), 1), "n": n,
                      "label": f"{low + i * (high - low) / bins:.0f}"} for i, n in enumerate(counts)]}
