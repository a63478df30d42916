"""The fonts that show each shipped language: DejaVu for English, Noto Sans CJK for Chinese.

English is drawn with the DejaVu fonts matplotlib ships, on every machine, so
English charts and PDFs stay the same byte for byte. Chinese needs a CJK font:
Debian's ``fonts-noto-cjk`` package (installed by ``scripts/ensure-fonts.sh``,
which ``make run`` and ``make test`` call) puts the Noto Sans CJK collection at
a fixed path. The collection holds one family per regional glyph standard, so
each language names its own: Traditional Chinese as taught in Taiwan (TC),
Hong Kong's (HK, which the collection has since version 2.0) and mainland
Simplified Chinese (SC).

Only a CJK language needs the file; :func:`cjk_font_file` names the fix when
it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CJK_FONT_DIR",
    "CJK_FONT_FILES",
    "FONT_FIX",
    "MissingFontError",
    "Typeface",
    "cjk_font_files",
    "typeface",
]

#: Where Debian's fonts-noto-cjk puts the Noto Sans CJK collection (regular and bold).
CJK_FONT_DIR = Path("/usr/share/fonts/opentype/noto")
CJK_FONT_FILES = (
    CJK_FONT_DIR / "NotoSansCJK-Regular.ttc",
    CJK_FONT_DIR / "NotoSansCJK-Bold.ttc",
)
FONT_FIX = (
    "install Debian's fonts-noto-cjk: run `sh scripts/ensure-fonts.sh` "
    "(or `apt-get install fonts-noto-cjk`)"
)
LATIN_FAMILY = "DejaVu Sans"


class MissingFontError(RuntimeError):
    """A language needs a font that is not installed; the message names the fix."""


@dataclass(frozen=True)
class Typeface:
    """How text in one language is set: the font families in order, and the language tags.

    ``families`` is tried in order glyph by glyph (Latin letters and digits from
    DejaVu, Han characters from Noto Sans CJK). ``lang`` and ``region`` are
    ISO 639 and ISO 3166 codes as typst's ``text`` takes them.
    """

    families: tuple[str, ...]
    lang: str
    region: str | None

    @property
    def cjk(self) -> bool:
        return len(self.families) > 1


_TYPEFACES = {
    "en": Typeface((LATIN_FAMILY,), "en", None),
    "zh-Hant": Typeface((LATIN_FAMILY, "Noto Sans CJK TC"), "zh", "tw"),
    "zh-Hant-TW": Typeface((LATIN_FAMILY, "Noto Sans CJK TC"), "zh", "tw"),
    "zh-Hant-HK": Typeface((LATIN_FAMILY, "Noto Sans CJK HK"), "zh", "hk"),
    "zh-Hans": Typeface((LATIN_FAMILY, "Noto Sans CJK SC"), "zh", "cn"),
}


def typeface(language: str) -> Typeface:
    """The typeface of a shipped language (English for any other)."""
    return _TYPEFACES.get(language, _TYPEFACES["en"])


def cjk_font_files() -> tuple[Path, ...]:
    """The Noto Sans CJK files, or :class:`MissingFontError` naming the fix."""
    missing = [path for path in CJK_FONT_FILES if not path.is_file()]
    if missing:
        raise MissingFontError(
            f"Chinese text needs the font {missing[0]}, which is missing: {FONT_FIX}"
        )
    return CJK_FONT_FILES
