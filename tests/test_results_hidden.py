"""Finding 5: a contest round's scores stay hidden until the round closes on every page and
export that shows them (transcript, officer lists, participation report and its drill-down
and files, item analysis, suspicious list), then show everywhere."""

import datetime as dt

from learning.auth.models import Role
from learning.db import utcnow
from tests.contest_helpers import enter, make_contest, take


def _world(session, make, sample_course):
    tree = make.tree()
    contest, round_, admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a, full_name="Người Thi Thử")
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    enter(session, contest, worker)
    take(session, worker, round_, right=3, started=utcnow() - dt.timedelta(minutes=5), seconds=5)
    return tree, contest, round_, admin, worker, officer


def _pages(client, tree, contest, round_, worker):
    report = f"/reports/participation?unit={tree.grassroots_a.id}&round={round_.id}"
    return {
        "transcript": client.get(f"/transcript/{worker.id}").text,
        "report": client.get(report).text,
        "members": client.get(report.replace("participation?", "participation/members?")).text,
        "csv": client.get(report.replace("participation?", "participation.csv?")).data.decode(),
    }


def test_scores_hidden_until_the_round_closes(client, auth, session, make, sample_course):
    tree, contest, round_, admin, worker, officer = _world(session, make, sample_course)
    for who in (worker, officer):
        auth.login(who.phone)
        transcript = client.get(f"/transcript/{worker.id}").text
        assert "100%" not in transcript and "sau khi kết thúc" in transcript
        auth.logout()
    auth.login(officer.phone)
    pages = _pages(client, tree, contest, round_, worker)
    assert (
        '<td class="num">100,0</td>' not in pages["report"]
        and "sau khi đợt thi kết thúc" in pages["report"]
    )
    assert "100%" not in pages["members"] and "Người Thi Thử" in pages["members"]
    assert "100" not in pages["csv"].splitlines()[-1].split(",")[-2:]
    auth.logout()
    auth.login(admin.phone)
    items = client.get(f"/reports/items/{round_.quiz_id}").text
    assert "Độ dễ" not in items.split("</p>", 3)[-1] and "sau khi bài kiểm tra đóng" in items
    assert "100%" not in client.get(f"/contests/{contest.id}/suspicious").text
    # The round closes: every page shows the scores.
    round_.quiz.closes_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    items = client.get(f"/reports/items/{round_.quiz_id}").text
    assert "sau khi bài kiểm tra đóng" not in items
    assert "100%" in client.get(f"/contests/{contest.id}/suspicious").text
    auth.logout()
    auth.login(officer.phone)
    pages = _pages(client, tree, contest, round_, worker)
    assert "100%" in pages["transcript"]
    assert '<td class="num">100,0</td>' in pages["report"]
    assert "100%" in pages["members"]
    assert "100" in pages["csv"].splitlines()[-1]
