"""Member lists to import: find the header, check every row, plan what to create, update
and reject. Nothing here writes: `services.apply_import` writes a plan in one transaction.

Reads the lists officers already keep: title rows above the header, headers written in many
ways, extra columns, phone numbers written every way, totals and signature lines below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.auth.models import Gender, Role, User
from learning.i18n import lazy_gettext as _l
from learning.org.models import Unit
from learning.org.queries import list_subtree
from learning.spreadsheets import Limits, Row, SpreadsheetError, find_header, read_rows
from learning.text import InvalidPhone, fold, nfc, normalise_phone

# Field -> the ways officers title the column (matched without case, diacritics or spaces).
COLUMNS: dict[str, list[str]] = {
    "full_name": ["Họ và tên", "Họ tên", "Họ và tên đoàn viên", "Tên đoàn viên", "Full name"],
    "birth_date": ["Ngày sinh", "Ngày tháng năm sinh", "Năm sinh", "Sinh ngày"],
    "gender": ["Giới tính", "Nam/Nữ", "Nam nữ", "Giới"],
    "phone": ["Số điện thoại", "Điện thoại", "SĐT", "Số ĐT", "ĐT", "Điện thoại di động", "Di động"],
    "member_code": ["Số thẻ đoàn viên", "Số thẻ", "Mã đoàn viên", "Mã thẻ", "Số thẻ ĐV"],
    "unit": ["Đơn vị", "Công đoàn cơ sở", "CĐCS", "Tổ công đoàn", "Mã đơn vị"],
    "email": ["Email", "Thư điện tử"],
}
LABELS = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "gender": "Giới tính",
    "phone": "Số điện thoại", "member_code": "Số thẻ đoàn viên", "unit": "Đơn vị", "email": "Email",
}  # fmt: skip
TEMPLATE_HEADER = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Số thẻ đoàn viên",
    "Đơn vị",
]

# Lines at the bottom of such lists that are not members: totals, dates, signatures.
_FOOTER = re.compile(
    r"^(tong|cong|tong cong|tong so|nguoi lap|lap bieu|xac nhan|ngay \d|ngay thang|ky ten|"
    r"ky, ghi ro|thu truong|chu tich|tm\.? ban chap hanh|ban chap hanh|ghi chu|danh sach co)"
)
_GENDERS = {"nam": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE,
            "nu": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE,
            "khac": Gender.OTHER}  # fmt: skip
FORMULA_WITHOUT_VALUE = _l(
    "a formula without a saved value: open the file in Excel, save it and upload it again"
)
TWO_ACCOUNTS = _l("the phone number and the member code belong to two different accounts")
OTHER_UNION = _l("this person already has an account in another union; ask its officer")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200


@dataclass(frozen=True)
class Problem:
    column: str  # the Vietnamese column title
    message: str


@dataclass
class PlannedMember:
    row: int
    full_name: str
    phone: str | None
    member_code: str | None
    gender: Gender | None
    birth_year: int | None
    email: str | None
    unit_id: int
    existing_id: int | None = None


@dataclass
class RejectedRow:
    row: int
    cells: tuple[str, ...]
    problems: list[Problem]

    @property
    def reason(self) -> str:
        return "; ".join(f"{p.column}: {p.message}" for p in self.problems)


@dataclass
class ImportPlan:
    header: tuple[str, ...] = ()
    to_create: list[PlannedMember] = field(default_factory=list)
    to_update: list[PlannedMember] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    skipped: int = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.rejected)


def _cell(row: Row, columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row.cells[index] if index is not None and index < len(row.cells) else ""


def _birth_year(text: str, today: dt.date) -> int:
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        dt.date(year, month, day)  # raises ValueError for 31/02/1990
    elif re.fullmatch(r"\d{4}", text):
        year = int(text)
    else:
        raise ValueError(text)
    if not 1930 <= year <= today.year - 14:
        raise ValueError(text)
    return year


def _is_footer(row: Row, columns: dict[str, int]) -> bool:
    """Blank lines, numbered empty lines, totals, dates and signature lines: not members."""
    filled = [c for c in row.cells if c]
    if not filled:
        return True
    if (
        _cell(row, columns, "phone")
        or _cell(row, columns, "member_code")
        or row.formula_without_value
    ):
        return False
    if len(filled) == 1 and filled[0].isdigit():
        return True
    return any(_FOOTER.match(fold(cell)) for cell in filled)


def plan_import(
    session: Session,
    data: bytes,
    *,
    scope_unit: Unit,
    limits: Limits | None = None,
    today: dt.date | None = None,
) -> ImportPlan:
    """Read a member list and decide, row by row, what importing it into `scope_unit` (or
    the units below it named in the "Đơn vị" column) would do. Raises SpreadsheetError when
    the file itself cannot be read."""
    today = today or dt.date.today()
    header, columns, rows = find_header(read_rows(data, limits or Limits()), COLUMNS, ["full_name"])
    if "phone" not in columns and "member_code" not in columns:
        raise SpreadsheetError(
            _l('The list needs a "Số điện thoại" or a "Số thẻ đoàn viên" column.')
        )
    units = _units_in_scope(session, scope_unit)
    plan = ImportPlan(header=header.cells)
    seen_phone: dict[str, int] = {}
    seen_code: dict[str, int] = {}
    candidates: list[tuple[PlannedMember, Row]] = []
    for row in rows:
        if _is_footer(row, columns):
            plan.skipped += 1
            continue
        member, problems = _parse_row(row, columns, units, scope_unit, today)
        if member is not None:
            for value, seen, label in ((member.phone, seen_phone, "phone"),
                                       (member.member_code, seen_code, "member_code")):  # fmt: skip
                if value and value in seen:
                    problems.append(
                        Problem(LABELS[label], str(_l("the same as row %(row)d", row=seen[value])))
                    )
                elif value:
                    seen[value] = row.number
        if problems or member is None:
            plan.rejected.append(RejectedRow(row.number, row.cells, problems))
        else:
            candidates.append((member, row))
    _match_existing(session, candidates, units, plan)
    return plan


def _units_in_scope(session: Session, scope_unit: Unit) -> dict[str, Unit]:
    """The active units an import may put people in, by code and by folded name."""
    found: dict[str, Unit] = {}
    for unit in list_subtree(session, scope_unit.id):
        if unit.is_active:
            found.setdefault(unit.code.upper(), unit)
            found.setdefault(fold(unit.name), unit)
    return found


def _parse_row(
    row: Row, columns: dict[str, int], units: dict[str, Unit], scope_unit: Unit, today: dt.date
) -> tuple[PlannedMember | None, list[Problem]]:
    problems: list[Problem] = []
    for name, index in columns.items():
        if index in row.formula_without_value:
            problems.append(Problem(LABELS[name], str(FORMULA_WITHOUT_VALUE)))
    full_name = nfc(_cell(row, columns, "full_name"))
    if not full_name:
        problems.append(Problem(LABELS["full_name"], str(_l("missing"))))
    elif len(full_name) > MAX_NAME or any(ch.isdigit() for ch in full_name):
        problems.append(Problem(LABELS["full_name"], str(_l("not a person's name"))))
    phone = None
    raw_phone = _cell(row, columns, "phone")
    if raw_phone:
        try:
            phone = normalise_phone(raw_phone)
        except InvalidPhone:
            problems.append(Problem(LABELS["phone"], str(_l("not a Vietnamese phone number"))))
    code = _cell(row, columns, "member_code").upper() or None
    if code and (len(code) > 50 or not re.fullmatch(r"[0-9A-Z./-]+", code)):
        problems.append(Problem(LABELS["member_code"], str(_l("not a member code"))))
    if not raw_phone and not code:
        problems.append(
            Problem(LABELS["phone"], str(_l("a phone number or a member code is needed to log in")))
        )
    gender = None
    raw_gender = fold(_cell(row, columns, "gender"))
    if raw_gender:
        gender = _GENDERS.get(raw_gender)
        if gender is None:
            problems.append(Problem(LABELS["gender"], str(_l("write Nam or Nữ"))))
    birth_year = None
    raw_birth = _cell(row, columns, "birth_date")
    if raw_birth:
        try:
            birth_year = _birth_year(raw_birth, today)
        except ValueError:
            problems.append(
                Problem(LABELS["birth_date"], str(_l("not a date (dd/mm/yyyy) or a year")))
            )
    email = _cell(row, columns, "email").lower() or None
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        problems.append(Problem(LABELS["email"], str(_l("not an e-mail address"))))
    unit = scope_unit
    raw_unit = _cell(row, columns, "unit")
    if raw_unit:
        unit = units.get(raw_unit.strip().upper()) or units.get(fold(raw_unit))  # type: ignore[assignment]
        if unit is None:
            problems.append(
                Problem(LABELS["unit"], str(_l("no unit with this code or name in your scope")))
            )
    if problems:
        return None, problems
    return PlannedMember(
        row.number, full_name, phone, code, gender, birth_year, email, unit.id
    ), problems


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _match_existing(
    session: Session,
    candidates: list[tuple[PlannedMember, Row]],
    units: dict[str, Unit],
    plan: ImportPlan,
) -> None:
    """Existing accounts with the same phone or member code are updated, never duplicated;
    one outside the importer's scope is not touched."""
    phones = [m.phone for m, _ in candidates if m.phone]
    codes = [m.member_code for m, _ in candidates if m.member_code]
    by_phone: dict[str, tuple[int, int | None, Role]] = {}
    by_code: dict[str, tuple[int, int | None, Role]] = {}
    for chunk in _chunks(phones):
        for user_id, phone, unit_id, role in session.execute(
            select(User.id, User.phone, User.unit_id, User.role).where(User.phone.in_(chunk))
        ):
            by_phone[phone] = (user_id, unit_id, role)
    for chunk in _chunks(codes):
        for user_id, code, unit_id, role in session.execute(
            select(User.id, User.member_code, User.unit_id, User.role).where(
                User.member_code.in_(chunk)
            )
        ):
            by_code[code] = (user_id, unit_id, role)
    scope_ids = {unit.id for unit in units.values()}
    for member, row in candidates:
        hits = {
            hit
            for hit in (by_phone.get(member.phone or ""), by_code.get(member.member_code or ""))
            if hit
        }
        if not hits:
            plan.to_create.append(member)
            continue
        if len({hit[0] for hit in hits}) > 1:
            problem = Problem(LABELS["phone"], str(TWO_ACCOUNTS))
            plan.rejected.append(RejectedRow(row.number, row.cells, [problem]))
            continue
        user_id, unit_id, role = next(iter(hits))
        # Only members' accounts are updated by a list: never an officer's or an admin's
        # (that would move their scope), nor anyone outside the importer's subtree.
        if role is not Role.WORKER or unit_id not in scope_ids:
            problem = Problem(LABELS["phone"], str(OTHER_UNION))
            plan.rejected.append(RejectedRow(row.number, row.cells, [problem]))
            continue
        member.existing_id = user_id
        plan.to_update.append(member)
