"""Vietnamese text helpers: NFC names, diacritic-free search keys, phone numbers in E.164."""

from __future__ import annotations

import re
import unicodedata

# Mobile prefixes renumbered in 2018 (11-digit 01xx numbers became 10-digit ones); lists that
# officers kept for years still hold them.
_OLD_MOBILE_PREFIXES = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip

_PHONE_JUNK = re.compile(r"[\s.\-()/]")


class InvalidPhone(ValueError):
    """The text is not a Vietnamese phone number in any form we recognise."""


def nfc(text: str) -> str:
    """Unicode NFC with surrounding and repeated inner white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """A search key: lower case, no diacritics ("Nguyễn Văn Ân" -> "nguyen van an")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def normalise_phone(raw: str) -> str:
    """Return `raw` as +84 followed by the national number, or raise InvalidPhone.

    Accepts the ways people write numbers: 0912 345 678, 0912.345.678, +84 912345678,
    84912345678, (+84) 912-345-678, 0084912345678, and the leading zero that Excel drops.
    """
    digits = _PHONE_JUNK.sub("", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("84"):
            raise InvalidPhone(raw)
    if not digits.isdigit():
        raise InvalidPhone(raw)
    if digits.startswith("0084"):
        digits = digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    old = _OLD_MOBILE_PREFIXES.get("0" + digits[:3])
    if old and len(digits) == 10:
        digits = old[1:] + digits[3:]
    mobile = len(digits) == 9 and digits[0] in "35789"
    landline = len(digits) == 10 and digits[0] == "2"
    if not (mobile or landline):
        raise InvalidPhone(raw)
    return "+84" + digits


def looks_like_phone(text: str) -> bool:
    """True when `text` is written like a phone number rather than a member code."""
    try:
        normalise_phone(text)
    except InvalidPhone:
        return False
    return True


def format_phone(e164: str | None) -> str:
    """Show a stored +84 number the way Vietnamese people write it: 0912 345 678."""
    if not e164:
        return ""
    national = "0" + e164.removeprefix("+84")
    if len(national) == 10:
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    return national
