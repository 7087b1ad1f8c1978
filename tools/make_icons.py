"""Draw the app's home-screen icons (static/icons/*.png) from the favicon's shapes: a red
rounded square with a yellow star. Run once after changing the design:
`python -m tools.make_icons`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
# The favicon's star (static/favicon.svg), on its 32-unit grid.
STAR = [(16, 6), (18.9, 12.1), (25.5, 12.9), (20.6, 17.5), (21.9, 24), (16, 20.8), (10.1, 24),
        (11.4, 17.5), (6.5, 12.9), (13.1, 12.1)]  # fmt: skip


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    """The icon at `size` pixels; a maskable one fills the square and keeps the star in the
    middle 80 % (the safe zone launchers crop to)."""
    scale = 4  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    red, yellow = (179, 38, 30, 255), (255, 213, 79, 255)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=red)
        unit, offset = big * 0.8 / 32, big * 0.1
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 6 // 32, fill=red)
        unit, offset = big / 32, 0.0
    pen.polygon([(offset + x * unit, offset + y * unit) for x, y in STAR], fill=yellow)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    folder = ROOT / "static" / "icons"
    folder.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(folder / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(folder / "maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
