"""Users, their organisations, login attempts and API tokens."""
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..types import UTCDateTime


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    INSTITUTE = "institute"
    BROKER = "broker"
    BUREAU = "bureau"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.ENTERPRISE: _l("Enterprise"),
    Role.INSTITUTE: _l("Research institute or university"),
    Role.BROKER: _l("Technology broker"),
    Role.BUREAU: _l("Science bureau officer"),
    Role.ADMIN: _l("Administrator"),
}
SELF_REGISTERED_ROLES = (Role.ENTERPRISE, Role.INSTITUTE, Role.BROKER)


class OrgStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"


ORG_STATUS_LABELS = {
    OrgStatus.UNVERIFIED: _l("Awaiting verification"),
    OrgStatus.VERIFIED: _l("Verified"),
    OrgStatus.REJECTED: _l("Rejected"),
}


def _enum(enum_cls, name):
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


class Organization(db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    entity_type: Mapped[str] = mapped_column(String(30))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    # GB/T 2260: one of Lüliang's 13 counties, or outside Lüliang the province's code.
    county: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    status: Mapped[OrgStatus] = mapped_column(_enum(OrgStatus, "org_status"),
                                              default=OrgStatus.UNVERIFIED, index=True)
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}  # see marketplace.workflow
    review_comment: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    members = relationship("User", back_populates="organization",
                           foreign_keys="User.organization_id")
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    @property
    def is_verified(self):
        return self.status == OrgStatus.VERIFIED

    @property
    def in_luliang(self):
        return self.county.startswith("1411")



class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"), index=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"),
                                                        index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organization = relationship("Organization", back_populates="members",
                                foreign_keys=[organization_id])

    def set_password(self, password):
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        """What sessions and remember-me cookies keep: the id and a keyed fingerprint of the
        password hash, so that changing the password ends every other session."""
        from flask import current_app

        key = current_app.config["SECRET_KEY"].encode()
        mark = hmac.new(key, self.password_hash.encode(), hashlib.sha256).hexdigest()[:20]
        return f"{self.id}:{mark}"

    def __eq__(self, other):
        # UserMixin compares get_id(), which now needs the app's key: compare the rows.
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = UserMixin.__hash__

    @property
    def is_active(self):
        return self.active

    @property
    def is_officer(self):
        return self.role in (Role.BUREAU, Role.ADMIN)


class LoginAttempt(db.Model):
    """Every login try, kept for throttling and for the account's own security history."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    ip: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    success: Mapped[bool] = mapped_column(Boolean)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user = relationship("User")
