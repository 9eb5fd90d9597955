"""Sending notifications; they are written in the caller's transaction and mailed after commit."""
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..errors import NotFound
from ..extensions import db
from .models import Notification


def N_(message):
    """Mark a message id for extraction; it is translated for each reader when shown."""
    return message


def render(notification):
    text = gettext(notification.message)
    return text % notification.params if notification.params else text


def notify(users, message, link=None, **params):
    """Tell each of `users` `message` (an N_() msgid with %(name)s params) with a link."""
    users = [u for u in (users if isinstance(users, list | tuple | set) else [users]) if u]
    for user in users:
        note = Notification(user_id=user.id, created_at=clock.now(), message=message,
                            params=params or None, link=link)
        db.session.add(note)
        if current_app.config.get("MAIL_SERVER") and user.email:
            with force_locale(user.locale or "zh"):
                body = render(note)
            db.session.info.setdefault("outgoing_mail", []).append((user.email, body, link))


def unread_count(user):
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def notifications_of(user, page=1, per_page=20):
    return db.paginate(select(Notification).where(Notification.user_id == user.id)
                       .order_by(Notification.id.desc()), page=page, per_page=per_page,
                       error_out=False)


def mark_read(user, notification_id=None):
    """Mark one notification (or all) of `user` as read."""
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        note = db.session.get(Notification, notification_id)
        if note is None or note.user_id != user.id:
            raise NotFound()
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=clock.now()))
    db.session.commit()


def _send_mail(messages):
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for to, body, link in messages:
                mail = EmailMessage()
                mail["From"], mail["To"] = config["MAIL_SENDER"], to
                mail["Subject"] = body[:78]
                mail.set_content(body + (f"\n\n{link}" if link else ""))
                smtp.send_message(mail)
    except (OSError, smtplib.SMTPException):
        # The inbox already holds the notification; a mail failure must not fail the request.
        current_app.logger.exception("sending notification mail failed")


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    messages = session.info.pop("outgoing_mail", None)
    if messages:
        _send_mail(messages)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("outgoing_mail", None)
