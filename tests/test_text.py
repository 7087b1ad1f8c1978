"""Vietnamese text helpers: phone numbers written every way, NFC names, diacritic-free keys."""

import unicodedata

import pytest

from learning.text import InvalidPhone, fold, format_phone, nfc, normalise_phone


@pytest.mark.parametrize(
    "written",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84 912345678",
        "+84912345678",
        "84912345678",
        "(+84) 912-345-678",
        "0084912345678",
        "912345678",  # Excel dropped the leading zero
        " 0912 345 678 ",
    ],
)
def test_common_ways_of_writing_a_mobile_number_give_one_e164(written):
    assert normalise_phone(written) == "+84912345678"


def test_old_eleven_digit_mobile_numbers_are_renumbered():
    assert normalise_phone("01682345678") == "+84382345678"
    assert normalise_phone("0123 456 7890") == "+84834567890"


def test_landline_with_area_code():
    assert normalise_phone("024 3826 4321") == "+842438264321"


@pytest.mark.parametrize(
    "garbage", ["", "abc", "12345", "+1 202 555 0100", "0912345", "09123456789012", "0112345678"]
)
def test_what_is_not_a_vietnamese_number_is_refused(garbage):
    with pytest.raises(InvalidPhone):
        normalise_phone(garbage)


def test_format_phone_shows_the_national_form():
    assert format_phone("+84912345678") == "0912 345 678"
    assert format_phone(None) == ""


def test_nfc_composes_and_collapses_spaces():
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Văn   Ân ")
    assert decomposed != "Nguyễn Văn Ân"
    assert nfc(decomposed) == "Nguyễn Văn Ân"


def test_fold_ignores_diacritics_and_case():
    assert fold("Nguyễn Văn Ân") == "nguyen van an"
    assert fold("ĐOÀN VIÊN Đặng") == "doan vien dang"
    assert fold(unicodedata.normalize("NFD", "Lò Thị Mai")) == "lo thi mai"
