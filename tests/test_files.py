"""Uploads: checked by content, stored under random names, served only to those allowed."""
import hashlib
import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.files import services
from marketplace.files.models import StoredFile

from .factories import JPEG, PDF, PNG, make_file, make_org, make_user


def upload(content, filename, uploader, **kwargs):
    return services.save_upload(FileStorage(io.BytesIO(content), filename=filename), uploader,
                                **kwargs)


def stored_files(app):
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def uploader(app):
    with app.app_context():
        return make_user("institute", org=make_org())


@pytest.mark.parametrize(("content", "filename", "content_type", "suffix"), [
    (PDF, "鉴定证书.pdf", "application/pdf", ".pdf"),
    (PNG, "photo.PNG", "image/png", ".png"),
    (JPEG, "scan.jpeg", "image/jpeg", ".jpg"),
    (PNG, "named-wrongly.pdf", "image/png", ".png"),  # the content decides, not the name
])
def test_accepted_files(app, uploader, content, filename, content_type, suffix):
    with app.app_context():
        record = upload(content, filename, uploader, entity="achievement", entity_id=3,
                        kind="paper")
        db.session.commit()
        assert record.content_type == content_type
        assert record.original_name == filename
        assert record.size == len(content)
        assert record.sha256 == hashlib.sha256(content).hexdigest()
        assert (record.uploader_id, record.organization_id) == (
            uploader.id, uploader.organization_id)
        assert (record.entity, record.entity_id, record.kind) == ("achievement", 3, "paper")
        assert record.stored_name.endswith(suffix)
        assert filename not in record.stored_name and len(record.stored_name) >= 32
        assert services.path_of(record).read_bytes() == content
    assert stored_files(app) == [record.stored_name]


def test_names_are_random(app, uploader):
    with app.app_context():
        names = {upload(PDF, "same.pdf", uploader).stored_name for _ in range(5)}
    assert len(names) == 5


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"#!/bin/sh\nrm -rf /\n", "x.pdf", "Only PDF, PNG and JPEG files are accepted."),
    (b"<html><script>alert(1)</script></html>", "x.png",
     "Only PDF, PNG and JPEG files are accepted."),
    (b"MZ\x90\x00\x03\x00\x00\x00", "setup.jpg", "Only PDF, PNG and JPEG files are accepted."),
    (PNG[:16] + b"<script>alert(1)</script>", "x.png",
     "Only PDF, PNG and JPEG files are accepted."),
    (b"%PDF-1.4\n1 0 obj\n", "truncated.pdf", "The PDF file is damaged or incomplete."),
    (PDF, "../x.pdf", "The file name must not contain a path."),
    (PDF, "a/b.pdf", "The file name must not contain a path."),
    (PDF, "a\\b.pdf", "The file name must not contain a path."),
    (PDF, "/etc/passwd.pdf", "The file name must not contain a path."),
    (b"", "empty.pdf", "The file is empty."),
    (PDF, "", "Choose a file to upload."),
])
def test_refused_files(app, uploader, content, filename, message):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(ValidationFailed) as refused:
            upload(content, filename, uploader, field="evidence")
        assert [str(m) for m in refused.value.fields["evidence"]] == [message]
        assert not db.session.new
    assert stored_files(app) == []


def test_oversized_file_is_refused(make_app, uploader):
    app = make_app(MAX_UPLOAD_BYTES=1024)
    with app.test_request_context("/?lang=en"):
        assert upload(PDF + b"%" * (1024 - len(PDF)), "max.pdf", uploader).size == 1024
        with pytest.raises(ValidationFailed) as refused:
            upload(PDF + b"%" * (1025 - len(PDF)), "big.pdf", uploader)
        assert "larger than" in str(refused.value.fields["file"][0])
    assert len(stored_files(app)) == 1


def test_no_file_at_all(app, uploader):
    with app.test_request_context("/?lang=en"), pytest.raises(ValidationFailed) as refused:
        services.save_upload(None, uploader)
    assert [str(m) for m in refused.value.fields["file"]] == ["Choose a file to upload."]


# --- downloading ----------------------------------------------------------------------------------

@pytest.fixture
def evidence(app, uploader):
    with app.app_context():
        return make_file(uploader, PDF, "评价证明.pdf")


@pytest.mark.parametrize("who", ["uploader", "colleague", "bureau", "admin"])
def test_allowed_readers_get_the_file(app, client, auth, uploader, evidence, who):
    with app.app_context():
        reader = {"uploader": uploader,
                  "colleague": make_user("institute", org=uploader.organization_id),
                  "bureau": make_user("bureau"), "admin": make_user("admin")}[who]
    auth.login(reader)
    response = client.get(f"/files/{evidence.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == PDF
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("role", ["institute", "enterprise", "broker"])
def test_other_organisations_get_404(app, client, auth, evidence, role):
    with app.app_context():
        stranger = make_user(role, org=make_org() if role != "broker" else None)
    auth.login(stranger)
    assert client.get(f"/files/{evidence.id}").status_code == 404


def test_visitors_are_sent_to_log_in(client, evidence):
    response = client.get(f"/files/{evidence.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_a_capability_can_grant_readers(app, client, auth, monkeypatch, uploader):
    with app.app_context():
        attached = make_file(uploader, PNG, "p.png", entity="thing", entity_id=9)
        unattached = make_file(uploader, PNG, "q.png")
        reader = make_user("enterprise", org=make_org())
    monkeypatch.setitem(services.ACCESS_RULES, "thing",
                        lambda user, stored: user.id == reader.id and stored.entity_id == 9)
    auth.login(reader)
    assert client.get(f"/files/{attached.id}").status_code == 200
    assert client.get(f"/files/{unattached.id}").status_code == 404


def test_a_user_without_organisation_keeps_files_private(app, client, auth):
    with app.app_context():
        broker = make_user("broker")
        other_broker = make_user("broker")
        stored = make_file(broker, JPEG, "id.jpg")
        assert db.session.get(StoredFile, stored.id).organization_id is None
    auth.login(other_broker)
    assert client.get(f"/files/{stored.id}").status_code == 404
