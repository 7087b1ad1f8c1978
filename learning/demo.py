"""`flask --app learning demo`: a demo hierarchy modelled on the Lào Cai federation.

The structure follows the province as reorganised in 2025 (commune and ward unions, sector
unions, an economic-zone union); every grassroots union and person is invented.
Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning import db
from learning.auth import queries as auth_queries
from learning.auth import services as auth_services
from learning.auth.models import Gender, Role
from learning.db import utcnow
from learning.org import queries as org_queries
from learning.org import services as org_services
from learning.org.models import Unit, UnitKind

K = UnitKind

# (code, name, kind, parent code)
DEMO_UNITS: list[tuple[str, str, UnitKind, str | None]] = [
    ("LDLD-LC", "Liên đoàn Lao động tỉnh Lào Cai", K.FEDERATION, None),
    ("CD-P-LAOCAI", "Công đoàn phường Lào Cai", K.COMMUNE_UNION, "LDLD-LC"),
    ("CD-P-YENBAI", "Công đoàn phường Yên Bái", K.COMMUNE_UNION, "LDLD-LC"),
    ("CD-P-SAPA", "Công đoàn phường Sa Pa", K.COMMUNE_UNION, "LDLD-LC"),
    ("CD-X-BAOTHANG", "Công đoàn xã Bảo Thắng", K.COMMUNE_UNION, "LDLD-LC"),
    ("CDN-GD", "Công đoàn ngành Giáo dục tỉnh Lào Cai", K.SECTOR_UNION, "LDLD-LC"),
    ("CDN-YT", "Công đoàn ngành Y tế tỉnh Lào Cai", K.SECTOR_UNION, "LDLD-LC"),
    ("CD-KKT", "Công đoàn Khu kinh tế tỉnh Lào Cai", K.ZONE_UNION, "LDLD-LC"),
    ("CS-HOABAN", "CĐCS Công ty TNHH Dịch vụ Hoa Ban", K.GRASSROOTS, "CD-P-LAOCAI"),
    ("CS-SONGHONG", "CĐCS Công ty CP Vận tải Sông Hồng Xanh", K.GRASSROOTS, "CD-P-LAOCAI"),
    ("CS-CHESUOIMAY", "CĐCS Công ty CP Chè Suối Mây", K.GRASSROOTS, "CD-P-YENBAI"),
    ("CS-DONGTAM", "CĐCS Hợp tác xã Cơ khí Đồng Tâm", K.GRASSROOTS, "CD-P-YENBAI"),
    ("CS-MAYTRANG", "CĐCS Khách sạn Mây Trắng", K.GRASSROOTS, "CD-P-SAPA"),
    ("CS-DINHNUI", "CĐCS Công ty TNHH Du lịch Đỉnh Núi", K.GRASSROOTS, "CD-P-SAPA"),
    ("CS-BAOAN", "CĐCS Công ty TNHH Chế biến Nông sản Bảo An", K.GRASSROOTS, "CD-X-BAOTHANG"),
    ("CS-THHOAMAI", "CĐCS Trường Tiểu học Hoa Mai", K.GRASSROOTS, "CDN-GD"),
    ("CS-THPTSONCA", "CĐCS Trường THPT Sơn Ca", K.GRASSROOTS, "CDN-GD"),
    ("CS-TTYTHONGHA", "CĐCS Trung tâm Y tế Hồng Hà", K.GRASSROOTS, "CDN-YT"),
    ("CS-BVHOABINH", "CĐCS Bệnh viện Đa khoa Hòa Bình Xanh", K.GRASSROOTS, "CDN-YT"),
    ("CS-TANPHAT", "CĐCS Công ty TNHH Điện tử Tân Phát", K.GRASSROOTS, "CD-KKT"),
    ("CS-KIMTHANH", "CĐCS Công ty CP Phân bón Kim Thành", K.GRASSROOTS, "CD-KKT"),
    ("TO-TANPHAT-PX1", "Tổ công đoàn Phân xưởng lắp ráp 1", K.UNION_GROUP, "CS-TANPHAT"),
]


@dataclass(frozen=True)
class DemoAccount:
    full_name: str
    phone: str
    password: str
    role: Role
    unit_code: str | None
    gender: Gender
    birth_year: int
    member_code: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("Quản trị Ban Tuyên giáo", "0900000001", "demo-admin-2026", Role.ADMIN,
                "LDLD-LC", Gender.FEMALE, 1985),
    # A second admin, so that the four-eyes review (one writes, another approves) can be shown.
    DemoAccount("Lương Văn Khánh", "0900000003", "demo-admin-2026", Role.ADMIN,
                "LDLD-LC", Gender.MALE, 1982),
    DemoAccount("Phạm Thu Hà", "0900000002", "demo-officer-2026", Role.OFFICER,
                "CD-P-LAOCAI", Gender.FEMALE, 1980),
    DemoAccount("Nguyễn Văn An", "0900000011", "demo-worker-2026", Role.WORKER,
                "CS-HOABAN", Gender.MALE, 1995, "LC-000011"),
    DemoAccount("Lò Thị Mai", "0900000012", "demo-worker-2026", Role.WORKER,
                "CS-HOABAN", Gender.FEMALE, 1998, "LC-000012"),
    DemoAccount("Trần Đức Minh", "0900000013", "demo-worker-2026", Role.WORKER,
                "CS-SONGHONG", Gender.MALE, 1990, "LC-000013"),
    DemoAccount("Giàng Thị Sua", "0900000014", "demo-worker-2026", Role.WORKER,
                "CS-MAYTRANG", Gender.FEMALE, 2000, "LC-000014"),
    DemoAccount("Hoàng Văn Tùng", "0900000015", "demo-worker-2026", Role.WORKER,
                "CS-TANPHAT", Gender.MALE, 1993, "LC-000015"),
]  # fmt: skip


def load_demo(session: Session) -> tuple[int, int]:
    """Create what is missing of the demo units and accounts; return how many of each."""
    units: dict[str, Unit] = {}
    created_units = 0
    for code, name, kind, parent_code in DEMO_UNITS:
        unit = org_queries.get_unit_by_code(session, code)
        if unit is None:
            parent = units[parent_code] if parent_code else None
            unit = org_services.create_unit(session, code=code, name=name, kind=kind, parent=parent)
            created_units += 1
        units[code] = unit
    created_users = 0
    for account in DEMO_ACCOUNTS:
        if auth_queries.find_user_by_login(session, account.phone) is not None:
            continue
        auth_services.create_user(
            session,
            full_name=account.full_name,
            phone=account.phone,
            member_code=account.member_code,
            password=account.password,
            role=account.role,
            unit=units[account.unit_code] if account.unit_code else None,
            gender=account.gender,
            birth_year=account.birth_year,
        )
        created_users += 1
    return created_units, created_users


DEMO_CONTEST_TITLE = "Cuộc thi trực tuyến tìm hiểu pháp luật lao động và tổ chức Công đoàn (demo)"
DEMO_CONTEST_RULES = (
    "Mỗi đợt thi gồm 20 câu hỏi rút ngẫu nhiên và một câu hỏi dự đoán, làm trong 20 phút; "
    "mỗi người thi một lần mỗi đợt.\n"
    "Xếp hạng theo điểm, rồi thời gian làm bài, rồi độ chênh của câu dự đoán, rồi thời điểm "
    "nộp bài.\n"
    "Đây là cuộc thi mẫu của bản demo."
)


def load_demo_contest(session: Session) -> bool:
    """A sample contest (a round open now, the next one a week later) drawing from every
    published course; once the courses are loaded. True when it was created now."""
    from learning.contests import services as contest_services
    from learning.contests.models import Contest
    from learning.enrollment.queries import published_courses

    if session.scalar(select(Contest.id).where(Contest.title == DEMO_CONTEST_TITLE)):
        return False
    courses = published_courses(session)
    admin = auth_queries.find_user_by_login(session, DEMO_ACCOUNTS[0].phone)
    if not courses or admin is None:
        return False
    contest = contest_services.save_contest(
        session,
        admin,
        contest_services.ContestData(
            title=DEMO_CONTEST_TITLE,
            rules=DEMO_CONTEST_RULES,
            allows_registration=True,
            is_published=True,
            prize_count=10,
            award_min_members=2,
            suspicious_percent=20,
        ),
    )
    now = utcnow().replace(second=0, microsecond=0)
    for opens in (now - dt.timedelta(days=1), now + dt.timedelta(days=6)):
        contest_services.save_round(
            session,
            admin,
            contest,
            contest_services.RoundData(
                opens_at=opens,
                closes_at=opens + dt.timedelta(days=7),
                course_ids=[c.id for c in courses],
                question_count=20,
                time_limit_minutes=20,
                # Demo data: the demo courses' final quizzes review at once, said and accepted.
                confirm_exposed=True,
            ),
        )
    return True


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo hierarchy and accounts (idempotent) and print the demo logins."""
    created_units, created_users = load_demo(db.session)
    contest = load_demo_contest(db.session)
    db.session.commit()
    click.echo(
        f"Demo data: {created_units} units and {created_users} accounts created "
        f"({len(DEMO_UNITS)} units, {len(DEMO_ACCOUNTS)} accounts in all)."
    )
    if contest:
        click.echo("Demo contest created, its first round open.")
    click.echo("Demo logins (phone / password):")
    for account in DEMO_ACCOUNTS:
        click.echo(
            f"  {account.role.value:8} {account.phone}  {account.password}  {account.full_name}"
        )
