"""Saving uploads safely and deciding who may read them."""
import hashlib
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from .models import StoredFile

# Content types we accept, recognised by their first bytes, never by the name or the header.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
# Markers of active content that have no business in evidence files.
ACTIVE_MARKERS = (b"<script", b"<html", b"<?php", b"<svg", b"#!/")

# PDF features that run code or smuggle files: evidence never needs them.
PDF_ACTIVE_MARKERS = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile")

# entity -> callable(user, stored_file) -> bool; capabilities register who may read their files.
ACCESS_RULES = {}


def register_access_rule(entity, rule):
    ACCESS_RULES[entity] = rule


def sniff(head: bytes):
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def printable_name(name):
    """The name without control and format characters: a line break would break the
    download's headers, a right-to-left override would disguise "gpj.exe" as "exe.jpg"."""
    return "".join(ch for ch in name if ch.isprintable())


def _upload_dir():
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(file_storage, uploader, *, entity=None, entity_id=None, kind=None,
                field="file"):
    """Check and store one uploaded file; raise ValidationFailed naming `field` if refused."""
    def refuse(message):
        raise ValidationFailed(fields={field: [message]})

    if file_storage is None or not file_storage.filename:
        refuse(_l("Choose a file to upload."))
    name = file_storage.filename
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        refuse(_l("The file name must not contain a path."))
    name = printable_name(name)
    if not name.strip():
        refuse(_l("Choose a file to upload."))
    data = file_storage.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    if len(data) > current_app.config["MAX_UPLOAD_BYTES"]:
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        refuse(_l("The file is larger than %(size)s.", size=(
            f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB")))
    if not data:
        refuse(_l("The file is empty."))
    sniffed = sniff(data[:16])
    if sniffed is None:
        refuse(_l("Only PDF, PNG and JPEG files are accepted."))
    content_type, ext = sniffed
    lowered = data[:4096].lower()
    if content_type != "application/pdf" and any(m in lowered for m in ACTIVE_MARKERS):
        refuse(_l("Only PDF, PNG and JPEG files are accepted."))
    if content_type == "application/pdf" and b"%%EOF" not in data[-2048:]:
        refuse(_l("The PDF file is damaged or incomplete."))
    if content_type == "application/pdf" and any(m in data for m in PDF_ACTIVE_MARKERS):
        refuse(_l("PDF files that run scripts or carry other files are not accepted."))
    stored_name = secrets.token_hex(16) + ext
    (_upload_dir() / stored_name).write_bytes(data)
    record = StoredFile(
        uploader_id=uploader.id, organization_id=uploader.organization_id, entity=entity,
        entity_id=entity_id, kind=kind, original_name=name[:255], stored_name=stored_name,
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        created_at=clock.now(),
    )
    db.session.add(record)
    return record


def may_read(user, stored):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in ("bureau", "admin") or stored.uploader_id == user.id:
        return True
    if stored.organization_id and stored.organization_id == user.organization_id:
        return True
    rule = ACCESS_RULES.get(stored.entity)
    return bool(rule and rule(user, stored))


def readable_file(file_id, user):
    """The file record if `user` may read it; NotFound otherwise (no hint that it exists)."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or not may_read(user, stored):
        raise NotFound()
    return stored


def path_of(stored):
    return _upload_dir() / stored.stored_name
