"""Draw the installable app's PNG icons from the shapes of ``static/favicon.svg``.

Run from the repository root: ``python scripts/make_app_icons.py``. The PNGs
are committed (a browser asks for them; no build step at install time). There
is no SVG rasteriser among the dependencies (no cairosvg), so the favicon's
three shapes (a rounded square, one two-segment Bézier stroke, a dot) are
redrawn here with Pillow at four times the size and scaled down, which
anti-aliases the edges. Keep the coordinates in step with the SVG.

The "maskable" icon fills the whole square with the background colour and
keeps the mark inside the central 80 % safe zone, because launchers crop it
to a circle or a squircle (W3C Web App Manifest, "icon masks").
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[1] / "src" / "ketpath" / "web" / "static"
TEAL = "#0b5f66"
WHITE = "#ffffff"
YELLOW = "#ffd166"
VIEWBOX = 32
SUPERSAMPLE = 4
# The favicon's path "M6 23c4-1 6-4 8-8s5-7 12-8" as two cubic Béziers in absolute points
# (the "s" segment's first control point mirrors the previous second one about (14, 15)).
CURVES = (
    ((6, 23), (10, 22), (12, 19), (14, 15)),
    ((14, 15), (16, 11), (19, 8), (26, 7)),
)
STROKE = 3
DOT = ((26, 7), 2.6)
CORNER = 7


def _bezier(points: tuple[tuple[float, float], ...], steps: int) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    line = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        line.append(
            (
                u**3 * x0 + 3 * u**2 * t * x1 + 3 * u * t**2 * x2 + t**3 * x3,
                u**3 * y0 + 3 * u**2 * t * y1 + 3 * u * t**2 * y2 + t**3 * y3,
            )
        )
    return line


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    """The icon at ``size`` pixels square; ``maskable`` fills the square and shrinks the mark."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=TEAL)
        scale = big * 0.8 / VIEWBOX
        offset = big * 0.1
    else:
        scale = big / VIEWBOX
        offset = 0.0
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * scale, fill=TEAL)

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return (offset + point[0] * scale, offset + point[1] * scale)

    # A round-capped stroke drawn as overlapping discs along the curve: ImageDraw.line
    # joins wide short segments with visible seams.
    pen = STROKE * scale / 2
    for curve in CURVES:
        for x, y in (at(p) for p in _bezier(curve, steps=400)):
            draw.ellipse((x - pen, y - pen, x + pen, y + pen), fill=WHITE)
    (cx, cy), radius = at(DOT[0]), DOT[1] * scale
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=YELLOW)
    return image.resize((size, size), Image.Resampling.LANCZOS)


ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),
}


def main() -> None:
    for name, (size, maskable) in ICONS.items():
        image = draw_icon(size, maskable=maskable)
        if maskable:  # opaque: iOS paints transparency black
            image = image.convert("RGB")
        image.save(STATIC / name, optimize=True)
        print(f"wrote {STATIC / name}")


if __name__ == "__main__":
    main()
