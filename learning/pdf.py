"""What every PDF the app makes shares: DejaVu Sans (full Vietnamese coverage), from the
`rinoh-typeface-dejavusans` package or Debian's fonts-dejavu-core, never fetched at run time."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from fpdf import FPDF

_DEBIAN_FONTS = Path("/usr/share/fonts/truetype/dejavu")


class FontMissing(RuntimeError):
    """No DejaVu Sans on this machine: `make install` installs requirements-fonts.txt."""


@cache
def font_paths() -> tuple[Path, Path]:
    """Regular and bold DejaVu Sans."""
    candidates = []
    spec = importlib.util.find_spec("rinoh_typeface_dejavusans")
    if spec and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))))
    candidates.append(_DEBIAN_FONTS)
    for folder in candidates:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise FontMissing("DejaVu Sans not found; install requirements-fonts.txt")


def new_document(*, orientation: str = "P", title: str = "", author: str = "") -> FPDF:
    """An A4 FPDF document with DejaVu Sans registered as "DejaVu" (regular and bold)."""
    regular, bold = font_paths()
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    return pdf
