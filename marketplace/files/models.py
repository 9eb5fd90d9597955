"""The stored-file record; the bytes live under UPLOAD_DIR with a random name."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime


class StoredFile(db.Model):
    __tablename__ = "stored_files"
    __table_args__ = (Index("ix_stored_files_attached", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    # What the file belongs to (e.g. "achievement", 12) and its role there (e.g. "paper").
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    kind: Mapped[str | None] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    uploader = relationship("User")
