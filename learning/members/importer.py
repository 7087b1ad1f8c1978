"""Member lists to import: find the header, check every row, plan what to create, update
(field by field, from what to what), leave unchanged, reject, and which rows need the
officer's choice because their phone number is held by an account the roster never
confirmed, a refused registration or a member who left. Nothing here writes:
`services.apply_import` writes a plan in one transaction.

Reads the lists officers already keep: title rows above the header, headers written in many
ways, extra columns, phone numbers written every way, totals and signature lines below (the
table ends there), exact repeats of a row (ignored, with a warning).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.auth.models import Gender, User
from learning.auth.scope import is_member_account
from learning.i18n import format_date
from learning.i18n import lazy_gettext as _l
from learning.org.models import Unit
from learning.org.queries import list_subtree
from learning.spreadsheets import Limits, Row, SpreadsheetError, find_header, read_rows
from learning.text import InvalidPhone, fold, format_phone, nfc, normalise_phone

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
# "Lào Cai, ngày 20 tháng 11 năm 2026", "..., ngày … tháng … năm …": the place and date
# above the signatures.
_DATE_LINE = re.compile(r"(^|[,.]\s*)ngay\b.*\bthang\b")
_GENDERS = {"nam": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE,
            "nu": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE,
            "khac": Gender.OTHER}  # fmt: skip
FORMULA_WITHOUT_VALUE = _l(
    "a formula without a saved value: open the file in Excel, save it and upload it again"
)
HELD_UNCONFIRMED = _l("held by a self-registration not confirmed by any officer")
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


@dataclass(frozen=True)
class Change:
    """One field an update changes, as the officer reads it."""

    label: str
    before: str
    after: str


@dataclass
class PlannedUpdate:
    member: PlannedMember
    name_before: str
    changes: list[Change]


@dataclass
class HeldRow:
    """A row whose phone number (or member code) is held by an account the roster does not
    vouch for: a self-registration nobody confirmed ("unconfirmed"), a refused registration
    ("refused") or a member who left ("left"). The officer takes it over or leaves it out."""

    member: PlannedMember
    holder_id: int
    state: str  # "unconfirmed" | "refused" | "left"
    since: dt.datetime | None
    field: str  # "phone" | "member_code": what the holder has
    # A member of this union who left, listed again under the same name: taking over
    # reactivates that account (their history stays, with the gap).
    returning: bool
    holder_name: str | None  # shown only when the holder is in the importer's scope

    @property
    def can_confirm(self) -> bool:
        """A self-registration of the importer's own union may be the member themselves:
        the officer may confirm it as theirs (the person keeps their password)."""
        return self.state == "unconfirmed" and self.holder_name is not None

    @property
    def key(self) -> str:
        """What the officer's choice names: the row and the account holding its number, so
        that a choice made on an older preview does not apply to another account."""
        return f"{self.member.row}:{self.holder_id}"

    @property
    def reason(self) -> str:
        if self.state == "unconfirmed":
            message = str(HELD_UNCONFIRMED)
        elif self.state == "refused":
            message = str(
                _l("held by a registration refused on %(date)s", date=format_date(self.since))
            )
        else:
            message = str(
                _l("held by a member who left the union on %(date)s", date=format_date(self.since))
            )
        return f"{LABELS[self.field]}: {message}"


@dataclass(frozen=True)
class RepeatedRow:
    row: int
    same_as: int


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
    to_update: list[PlannedUpdate] = field(default_factory=list)
    unchanged: list[PlannedMember] = field(default_factory=list)
    held: list[HeldRow] = field(default_factory=list)
    repeated: list[RepeatedRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    skipped: int = 0
    # Unit names by id, for the preview (the units of the importer's scope).
    unit_names: dict[int, str] = field(default_factory=dict)

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


def _has_login(row: Row, columns: dict[str, int]) -> bool:
    """Whether the row carries a phone number or member code. Text without a digit in those
    columns ("CHỦ TỊCH" under the table, where the signatures spread across the columns) is
    not one."""
    return bool(
        any(ch.isdigit() for ch in _cell(row, columns, "phone"))
        or any(ch.isdigit() for ch in _cell(row, columns, "member_code"))
        or row.formula_without_value
    )


def _is_blank(row: Row) -> bool:
    """Blank lines and numbered empty lines."""
    filled = [c for c in row.cells if c]
    return not filled or (len(filled) == 1 and filled[0].isdigit())


def _is_footer(row: Row, columns: dict[str, int]) -> bool:
    """Totals, the place and date, signature lines: the table of members has ended."""
    if _has_login(row, columns):
        return False
    return any(
        _FOOTER.match(folded) or _DATE_LINE.search(folded)
        for folded in (fold(cell) for cell in row.cells if cell)
    )


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
    plan.unit_names = {unit.id: unit.name for unit in units.values()}
    seen_phone: dict[str, PlannedMember] = {}
    seen_code: dict[str, PlannedMember] = {}
    candidates: list[tuple[PlannedMember, Row]] = []
    ended = False
    for row in rows:
        if _is_blank(row):
            plan.skipped += 1
            continue
        if _is_footer(row, columns):
            ended = True
            plan.skipped += 1
            continue
        if ended and not _has_login(row, columns):
            # Under the signature lines: the signer's name, a stamp's text.
            plan.skipped += 1
            continue
        member, problems = _parse_row(row, columns, units, scope_unit, today)
        if member is not None:
            first = seen_phone.get(member.phone or "") or seen_code.get(member.member_code or "")
            if first is not None and _same_person(first, member):
                # The same row twice (copied twice into the list): imported once.
                plan.repeated.append(RepeatedRow(row.number, first.row))
                continue
            problems += _seen_before(member, seen_phone, seen_code)
        if problems or member is None:
            plan.rejected.append(RejectedRow(row.number, row.cells, problems))
        else:
            candidates.append((member, row))
    _match_existing(session, candidates, units, plan)
    return plan


def _seen_before(
    member: PlannedMember, seen_phone: dict[str, PlannedMember], seen_code: dict[str, PlannedMember]
) -> list[Problem]:
    """A phone number or member code an earlier row of the file has (else it is noted)."""
    problems = []
    for value, seen, label in (
        (member.phone, seen_phone, "phone"),
        (member.member_code, seen_code, "member_code"),
    ):
        if value and value in seen:
            problems.append(
                Problem(LABELS[label], str(_l("the same as row %(row)d", row=seen[value].row)))
            )
        elif value:
            seen[value] = member
    return problems


def _same_person(first: PlannedMember, again: PlannedMember) -> bool:
    """An exact repeat: every field the import reads is the same (the row number aside)."""
    keys = ("full_name", "phone", "member_code", "gender", "birth_year", "email", "unit_id")
    return all(getattr(first, key) == getattr(again, key) for key in keys)


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


_HOLDER_COLUMNS = (
    User.id, User.phone, User.member_code, User.unit_id, User.role, User.is_active,
    User.confirmed_at, User.deactivated_at, User.full_name, User.gender, User.birth_year,
    User.email,
)  # fmt: skip


def _match_existing(
    session: Session,
    candidates: list[tuple[PlannedMember, Row]],
    units: dict[str, Unit],
    plan: ImportPlan,
) -> None:
    """Existing accounts with the same phone or member code: a confirmed member of the
    importer's scope is updated (or left unchanged), never duplicated; one outside the scope
    is not touched; an unconfirmed, refused or departed account holds the row for the
    officer's choice (nothing is reactivated or renamed silently)."""
    by_phone = _holders(session, User.phone, [m.phone for m, _ in candidates if m.phone])
    by_code = _holders(
        session, User.member_code, [m.member_code for m, _ in candidates if m.member_code]
    )
    scope_ids = {unit.id for unit in units.values()}
    for member, row in candidates:
        hits = {
            account.id: (account, name)
            for account, name in (
                (by_phone.get(member.phone or ""), "phone"),
                (by_code.get(member.member_code or ""), "member_code"),
            )
            if account is not None
        }
        if not hits:
            plan.to_create.append(member)
        elif len(hits) > 1:
            _reject(plan, row, TWO_ACCOUNTS)
        else:
            account, matched_by = next(iter(hits.values()))
            _match_one(plan, member, row, account, matched_by, account.unit_id in scope_ids)


def _holders(session: Session, column: Any, values: Sequence[str]) -> dict[str, Any]:
    """The accounts holding these phone numbers (or member codes), by the value."""
    found: dict[str, Any] = {}
    for chunk in _chunks(values):
        for account in session.execute(select(*_HOLDER_COLUMNS).where(column.in_(chunk))):
            found[getattr(account, column.key)] = account
    return found


def _reject(plan: ImportPlan, row: Row, message: object) -> None:
    plan.rejected.append(
        RejectedRow(row.number, row.cells, [Problem(LABELS["phone"], str(message))])
    )


def _match_one(
    plan: ImportPlan, member: PlannedMember, row: Row, account: Any, matched_by: str, in_scope: bool
) -> None:
    """The row of a number one account holds: rejected, held for the officer's choice, an
    update, or unchanged."""
    # Never an officer's or an admin's account (that would move their scope).
    if not is_member_account(account) or (
        account.is_active and account.confirmed_at is not None and not in_scope
    ):
        _reject(plan, row, OTHER_UNION)
    elif account.confirmed_at is None or not account.is_active:
        plan.held.append(_held_row(member, account, matched_by, in_scope))
    else:
        member.existing_id = account.id
        changes = _changes(account, member, plan.unit_names)
        if changes:
            plan.to_update.append(PlannedUpdate(member, account.full_name, changes))
        else:
            plan.unchanged.append(member)


def _held_row(member: PlannedMember, account: Any, matched_by: str, in_scope: bool) -> HeldRow:
    if account.confirmed_at is not None:
        state = "left"
    else:
        state = "unconfirmed" if account.is_active else "refused"
    returning = state == "left" and in_scope and fold(account.full_name) == fold(member.full_name)
    return HeldRow(
        member,
        account.id,
        state,
        account.deactivated_at,
        matched_by,
        returning,
        account.full_name if in_scope else None,
    )


def _changes(account: Any, member: PlannedMember, unit_names: dict[int, str]) -> list[Change]:
    """What importing `member` changes on `account`, field by field, in the officer's words
    (a field the list leaves empty keeps its value)."""
    found: list[Change] = []

    def compare(label: str, before: object, after: object, shown=str) -> None:  # type: ignore[no-untyped-def]
        if after is not None and after != before:
            found.append(Change(label, shown(before) if before is not None else "", shown(after)))

    compare(LABELS["full_name"], account.full_name, member.full_name)
    compare(LABELS["gender"], account.gender, member.gender, lambda g: g.label)
    compare("Năm sinh", account.birth_year, member.birth_year)
    compare(LABELS["phone"], account.phone, member.phone, format_phone)
    compare(LABELS["member_code"], account.member_code, member.member_code)
    compare(LABELS["unit"], account.unit_id, member.unit_id, lambda i: unit_names.get(i, ""))
    compare(LABELS["email"], account.email, member.email)
    return found
