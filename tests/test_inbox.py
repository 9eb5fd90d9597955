"""The inbox: notifications written in the caller's transaction, read in the reader's language."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.inbox import services
from marketplace.inbox.models import Notification

from .factories import make_user
from .pages import text

VERIFIED = "Your organisation %(name)s has been verified."
REJECTED = "Your organisation %(name)s was not verified: %(comment)s"


def count(user=None):
    stmt = select(func.count()).select_from(Notification)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return db.session.scalar(stmt)


@pytest.fixture
def people(app):
    with app.app_context():
        return make_user("enterprise"), make_user("institute")


def test_notify_writes_one_notification_per_user(app, clock, people):
    moment = clock.set("2026-10-01T09:00:00+08:00")
    with app.app_context():
        services.notify([*people, None], VERIFIED, link="/organizations/1", name="甲公司")
        db.session.commit()
        notes = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
        assert [n.user_id for n in notes] == [p.id for p in people]
        assert all((n.message, n.params, n.link, n.created_at, n.read_at)
                   == (VERIFIED, {"name": "甲公司"}, "/organizations/1", moment, None)
                   for n in notes)


def test_notify_accepts_a_single_user(app, people):
    with app.app_context():
        services.notify(people[0], VERIFIED, name="甲公司")
        db.session.commit()
        assert count(people[0]) == 1 and count(people[1]) == 0


def test_notifications_are_part_of_the_callers_transaction(app, people):
    with app.app_context():
        services.notify(list(people), VERIFIED, name="甲公司")
        db.session.rollback()
        assert count() == 0
        services.notify(list(people), VERIFIED, name="甲公司")
        db.session.commit()
        assert count() == 2


def test_rendered_in_the_readers_language(app, people):
    with app.app_context():
        services.notify(people[0], REJECTED, name="甲公司", comment="材料不全")
        db.session.commit()
    # Each in its own request (a request inside an app context would share its locale).
    with app.test_request_context("/?lang=en"):
        english = services.render(db.session.scalar(select(Notification)))
    with app.test_request_context("/?lang=zh"):
        chinese = services.render(db.session.scalar(select(Notification)))
    assert english == "Your organisation 甲公司 was not verified: 材料不全"
    assert chinese != english and "甲公司" in chinese and "材料不全" in chinese


def test_unread_count_and_mark_read(app, people):
    reader, other = people
    with app.app_context():
        services.notify([reader, reader, reader, other], VERIFIED, name="甲")
        db.session.commit()
        first, *_ = db.session.scalars(select(Notification.id).where(
            Notification.user_id == reader.id)).all()
        assert services.unread_count(reader) == 3
        services.mark_read(reader, first)
        assert services.unread_count(reader) == 2
        assert db.session.get(Notification, first).read_at is not None
        services.mark_read(reader)
        assert services.unread_count(reader) == 0
        assert services.unread_count(other) == 1


def test_mark_read_of_someone_elses_notification(app, people):
    reader, other = people
    with app.app_context():
        services.notify(other, VERIFIED, name="甲")
        db.session.commit()
        note_id = db.session.scalar(select(Notification.id))
        for wrong in (note_id, 999999):
            with pytest.raises(NotFound):
                services.mark_read(reader, wrong)
        assert services.unread_count(other) == 1


# --- the pages ---------------------------------------------------------------------------------

def test_inbox_lists_newest_first_with_the_unread_count(app, client, auth, people):
    reader, _ = people
    with app.app_context():
        services.notify(reader, VERIFIED, name="第一家")
        services.notify(reader, REJECTED, name="第二家", comment="地址不详")
        db.session.commit()
    auth.login(reader)
    html = text(client.get("/inbox?lang=en").get_data(as_text=True))
    assert html.index("Your organisation 第二家 was not verified: 地址不详") < html.index(
        "Your organisation 第一家 has been verified.")
    assert re.search(r">2<span[^>]*>\s*unread notifications</span>", html)


def test_empty_inbox(client, login):
    login("broker")
    html = client.get("/inbox?lang=en").get_data(as_text=True)
    assert "Your inbox is empty." in html


def test_open_follows_the_link_and_marks_read(app, client, auth, people):
    reader, _ = people
    with app.app_context():
        services.notify(reader, VERIFIED, link="/organizations/7", name="甲")
        services.notify(reader, VERIFIED, link="https://evil.example/", name="乙")
        db.session.commit()
        safe, unsafe = db.session.scalars(select(Notification.id).order_by(Notification.id))
    auth.login(reader)
    response = client.post(f"/inbox/{safe}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/organizations/7"
    response = client.post(f"/inbox/{unsafe}/open")
    assert response.headers["Location"] == "/inbox"  # never off-site
    with app.app_context():
        assert services.unread_count(reader) == 0


def test_read_all(app, client, auth, people):
    reader, other = people
    with app.app_context():
        services.notify([reader, reader, other], VERIFIED, name="甲")
        db.session.commit()
    auth.login(reader)
    assert client.post("/inbox/read-all").status_code == 302
    with app.app_context():
        assert services.unread_count(reader) == 0 and services.unread_count(other) == 1


def test_opening_someone_elses_notification_is_404(app, client, auth, people):
    reader, other = people
    with app.app_context():
        services.notify(other, VERIFIED, link="/", name="甲")
        db.session.commit()
        note_id = db.session.scalar(select(Notification.id))
    auth.login(reader)
    assert client.post(f"/inbox/{note_id}/open").status_code == 404
    assert client.post("/inbox/999999/open").status_code == 404
    with app.app_context():
        assert services.unread_count(other) == 1


def test_inbox_needs_a_login(client):
    assert client.get("/inbox").status_code == 302
    assert client.post("/inbox/read-all").status_code == 302


# --- e-mail, when SMTP is configured --------------------------------------------------------------

class FakeSMTP:
    sent = []

    def __init__(self, host, port, timeout):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, mail):
        FakeSMTP.sent.append(mail)


@pytest.fixture
def mail_app(make_app, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr(services.smtplib, "SMTP", FakeSMTP)
    return make_app(MAIL_SERVER="smtp.example.cn")


def test_mail_is_sent_after_commit_in_the_users_language(mail_app):
    with mail_app.app_context():
        english = make_user("enterprise", email="en@example.cn", locale="en")
        chinese = make_user("enterprise", email="zh@example.cn", locale="zh")
        services.notify([english, chinese], VERIFIED, link="/organizations/1", name="甲公司")
        assert FakeSMTP.sent == []  # nothing leaves before the transaction commits
        db.session.commit()
    to = {m["To"]: m for m in FakeSMTP.sent}
    assert set(to) == {"en@example.cn", "zh@example.cn"}
    assert to["en@example.cn"]["Subject"] == "Your organisation 甲公司 has been verified."
    with mail_app.test_request_context(), force_locale("zh"):
        from flask_babel import gettext

        assert to["zh@example.cn"]["Subject"] == gettext(VERIFIED) % {"name": "甲公司"}
    assert "/organizations/1" in to["en@example.cn"].get_content()


def test_no_mail_for_a_rolled_back_notification(mail_app):
    with mail_app.app_context():
        user = make_user("enterprise")
        services.notify(user, VERIFIED, name="甲公司")
        db.session.rollback()
        db.session.commit()
    assert FakeSMTP.sent == []
