"""A conversation about a listing, a need or a deal between the record's owner side and one
counterpart, its messages, and how far each participant has read it."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime


class Thread(db.Model):
    """One conversation: the owner side of `entity` #`entity_id` (the seller of a listing or
    a deal, the enterprise of a need) and one counterpart (a buyer organisation, a responder),
    so that competing buyers or responders never read each other."""

    __tablename__ = "message_threads"
    __table_args__ = (
        # NULLs are distinct in a UNIQUE constraint on SQLite and PostgreSQL alike, so the
        # non-null `counterpart_key` is what makes one thread per counterpart.
        UniqueConstraint("entity", "entity_id", "counterpart_key",
                         name="uq_message_threads_entity_counterpart"),
        CheckConstraint("entity IN ('listing', 'need', 'deal')", name="entity"),
        Index("ix_message_threads_last_message_at", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(10))
    entity_id: Mapped[int]
    counterpart_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                           index=True)
    counterpart_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counterpart_key: Mapped[str] = mapped_column(String(30))  # "org:<id>" or "user:<id>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The newest message's time (None while nobody has written): the inbox's order.
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    messages = relationship("Message", back_populates="thread", order_by="Message.id")


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    thread = relationship("Thread", back_populates="messages")
    sender = relationship("User", lazy="joined")


class ThreadRead(db.Model):
    """The newest message of a thread that a participant has seen: later messages of the other
    side are unread."""

    __tablename__ = "message_thread_reads"

    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    last_read_message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
