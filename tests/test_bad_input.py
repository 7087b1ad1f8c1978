"""Garbage posted to every form (found by walking the URL map) gets a 4xx, never a 500."""

import re

import pytest

GARBAGE = {
    "empty": {},
    "overlong": {"login": "x" * 100_000, "password": "y" * 100_000, "next": "/" * 5000,
                 "current_password": "z" * 100_000, "new_password": "z" * 100_000,
                 "confirm": "q" * 100_000},
    "wrong types": {"login": ["a", "b"], "password": "", "birth_year": "nineteen",
                    "new_password": "\x00\x01", "confirm": "\x00"},
    "control characters": {"login": "\x00\u202e0912", "password": "\ud7ff\x07"},
    "numbers and dates at the ends": {
        "unit": "9" * 25, "course": str(2**31), "user": "-" + "9" * 25, "birth_year": "9" * 25,
        "prize_count": "9" * 25, "question_count": "9" * 25, "due_on": "0001-01-01",
        "opens_at": "0001-01-01T00:00", "closes_at": "9999-12-31T23:59",
    },
}  # fmt: skip

ARGUMENTS = {"lang": "vi"}


def post_routes(app):
    """Every URL that accepts POST, with its placeholders filled in (1 for numbers)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/_"):
            path = re.sub(r"<int:\w+>", "1", rule.rule)
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ARGUMENTS.get(m.group(1), "x"), path)
            routes.append(path)
    return sorted(routes)


@pytest.fixture
def logged_in_client(app, make, auth, client):
    worker = make.user()
    auth.login(worker.phone)
    return client


def test_there_are_forms_to_test(app):
    assert {"/login", "/logout", "/password", "/language/vi"} <= set(post_routes(app))


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_to_every_form_is_refused_cleanly(app, logged_in_client, kind):
    for route in post_routes(app):
        response = logged_in_client.post(route, data=GARBAGE[kind])
        assert response.status_code < 500, (route, kind, response.status_code)
        assert "Traceback" not in response.text
        if route == "/logout":
            break  # the rest of the routes were already posted while logged in


def test_invalid_utf8_is_refused_cleanly(app, logged_in_client):
    body = b"login=\xff\xfe\xfa&password=\xc3&current_password=\xe2\x82&next=%FF"
    for route in post_routes(app):
        if route == "/logout":
            continue
        response = logged_in_client.post(
            route, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500, route


def test_login_form_garbage_is_a_400_with_a_message(client):
    response = client.post("/login", data=GARBAGE["overlong"])
    assert response.status_code == 400
    assert '<ul class="errors"' in response.text


def test_password_form_garbage_is_a_400_with_a_message(logged_in_client):
    response = logged_in_client.post("/password", data=GARBAGE["wrong types"])
    assert response.status_code == 400
    assert '<ul class="errors"' in response.text


HUGE_ID = "99999999999999999999999"  # beyond 64 bits


def get_routes_with_ids(app, number=HUGE_ID):
    """Every GET URL with a number in it, each number replaced by `number`."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and "<int:" in rule.rule:
            path = re.sub(r"<int:\w+>", number, rule.rule)
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ARGUMENTS.get(m.group(1), "x"), path)
            routes.append(path)
    return sorted(routes)


@pytest.fixture
def admin_client(app, make, client):
    from learning.auth.models import Role

    admin = make.user(role=Role.ADMIN)
    client.post("/login", data={"login": admin.phone, "password": "password123"})
    return client


@pytest.mark.parametrize("number", [HUGE_ID, str(2**63), str(2**31)])
def test_ids_beyond_what_a_column_holds_are_not_found(app, admin_client, number):
    """Beyond what an id column holds (64 bits on SQLite, 32 on PostgreSQL), no URL
    matches."""
    routes = get_routes_with_ids(app, number)
    assert f"/units/{number}" in routes
    for route in routes:
        response = admin_client.get(route)
        assert response.status_code == 404, (route, response.status_code)


@pytest.mark.parametrize(
    "query",
    [
        "to=31/12/9999",
        "from=01/01/0001",
        "from=01/01/0001&to=31/12/9999",
        "to=9999-12-31",
        f"unit={HUGE_ID}",
        f"course={HUGE_ID}",
        f"round={HUGE_ID}",
        f"unit={2**31}",
        f"round={2**31}",
        "min_members=99999999999999999999",
    ],
)
def test_crafted_report_parameters_are_refused_cleanly(
    app, admin_client, make, sample_course, query
):
    make.unit()
    paths = ("/reports/participation", "/reports/participation.csv", "/reports/activity")
    for path in paths:
        response = admin_client.get(f"{path}?course={sample_course.id}&{query}")
        assert response.status_code in (200, 400, 404), (path, query, response.status_code)
        response = admin_client.get(f"{path}?course={2**31}&{query}")
        assert response.status_code in (200, 400, 404), (path, query, response.status_code)


@pytest.mark.parametrize("name", ["unit", "course", "round", "page"])
def test_numbers_beyond_64_bits_in_any_query_are_refused_cleanly(app, admin_client, name):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "<" in rule.rule or rule.rule.startswith("/static"):
            continue
        for number in (HUGE_ID, str(2**31)):
            response = admin_client.get(f"{rule.rule}?{name}={number}")
            assert response.status_code < 500, (rule.rule, name, response.status_code)


@pytest.mark.parametrize("unit", [HUGE_ID, str(2**31)])
def test_a_registration_naming_a_unit_beyond_an_id_is_refused(
    client, session, make, sample_course, unit
):
    from tests.contest_helpers import make_contest

    contest, _round, _admin = make_contest(session, make, sample_course)
    response = client.post(
        f"/contests/{contest.id}/register",
        data={
            "full_name": "Lê Văn Bình",
            "phone": "0987654321",
            "unit": unit,
            "category": "member",
            "password": "mat-khau-123",
            "confirm": "mat-khau-123",
        },
    )
    assert response.status_code == 400


def test_dates_at_the_calendar_ends_in_forms_are_refused(
    app, admin_client, make, session, sample_course
):
    from tests.contest_helpers import make_contest

    unit = make.unit()
    _contest, round_, _admin = make_contest(session, make, sample_course)
    for day in ("0001-01-01", "9999-12-31"):
        response = admin_client.post(
            "/assignments",
            data={"course": sample_course.id, "unit": unit.id, "due_on": day},
        )
        assert response.status_code in (302, 400), (day, response.status_code)
        response = admin_client.post(
            f"/admin/rounds/{round_.id}",
            data={
                "opens_at": f"{day}T00:00",
                "closes_at": f"{day}T23:59",
                "courses": [sample_course.id],
                "question_count": 1,
                "time_limit_minutes": 5,
                "attempts_allowed": 1,
            },
        )
        assert response.status_code in (302, 400), (day, response.status_code)
