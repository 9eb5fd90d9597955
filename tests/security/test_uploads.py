"""Hostile uploads on every upload endpoint (tests/test_files.py checks save_upload's rules
one by one): scripts named .pdf, polyglots, names that try to leave UPLOAD_DIR or break
headers, oversized bodies; and how stored files are served."""
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.files import services
from marketplace.files.models import StoredFile

from ..factories import JPEG, PDF, PNG, make_member
from .conftest import build_world, tear_down

SCRIPT_AS_PDF = b"<script>alert(document.cookie)</script>"
GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;alert(1)//"
PDF_HTML = (b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n"
            b"1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
PNG_TAIL_SCRIPT = PNG + b"\x00" * 5000 + b"<script>alert(1)</script>"  # past the checked head
JPEG_SVG = JPEG[:4] + b"<svg onload=alert(1)>" + JPEG[4:]

REFUSED_CONTENT = {"a script named .pdf": (SCRIPT_AS_PDF, "report.pdf"),
                   "a GIF/JavaScript polyglot": (GIF_JS, "photo.gif"),
                   "a JPEG carrying SVG script": (JPEG_SVG, "photo.jpg"),
                   "an SVG": (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script>",
                              "a.svg"),
                   "HTML named .png": (b"<!doctype html><script>alert(1)</script>", "a.png"),
                   "a PDF that runs JavaScript": (PDF.replace(b"/Type /Catalog",
                                                              b"/OpenAction << /JS (x) >>"),
                                                  "a.pdf")}
TRAVERSAL = ["../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "/etc/passwd.pdf",
             "a/../../b.pdf", "x.pdf\x00.png", "..", "....//x.pdf"]


def upload(content, filename, uploader):
    return services.save_upload(FileStorage(io.BytesIO(content), filename=filename), uploader)


def files_in(folder):
    return sorted(p.relative_to(folder) for p in Path(folder).rglob("*") if p.is_file()) \
        if Path(folder).exists() else []


@pytest.fixture
def uploader(app):
    with app.app_context():
        return make_member("institute")


@pytest.mark.parametrize("kind", REFUSED_CONTENT)
def test_hostile_content_is_refused(app, uploader, kind):
    content, filename = REFUSED_CONTENT[kind]
    with app.test_request_context(), pytest.raises(ValidationFailed):
        upload(content, filename, uploader)
    assert files_in(app.config["UPLOAD_DIR"]) == []


@pytest.mark.parametrize("filename", TRAVERSAL)
def test_names_with_paths_are_refused(app, uploader, filename):
    with app.test_request_context(), pytest.raises(ValidationFailed):
        upload(PDF, filename, uploader)
    assert files_in(app.config["UPLOAD_DIR"]) == []


@pytest.mark.parametrize(("filename", "kept"), [
    ("鉴定证书（最终版）.pdf", "鉴定证书（最终版）.pdf"),
    ("a\r\nSet-Cookie: stolen=1.pdf", "aSet-Cookie: stolen=1.pdf"),  # no header injection
    ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),  # no right-to-left disguise
    ('say "hi"; x=y.pdf', 'say "hi"; x=y.pdf'),
    ("x" * 1000 + ".pdf", "x" * 255),
    ("CON.pdf", "CON.pdf"),
])
def test_odd_names_are_stored_safely_and_served(app, client, auth, uploader, filename, kept):
    with app.test_request_context():
        stored = upload(PDF, filename, uploader)
        db.session.commit()
        path = services.path_of(stored).resolve()
        assert path.parent == Path(app.config["UPLOAD_DIR"]).resolve()
        assert stored.original_name == kept
        assert len(stored.stored_name) == 36 and stored.stored_name.endswith(".pdf")
        file_id = stored.id
    auth.login(uploader)
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "stolen" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize(("content", "mimetype"), [(PDF_HTML, "application/pdf"),
                                                   (PNG_TAIL_SCRIPT, "image/png")])
def test_polyglots_are_served_inert(app, client, auth, uploader, content, mimetype):
    """A PDF/HTML or PNG/script polyglot passes the checks (the first bytes decide), but it
    is only ever served with its sniffed type, nosniff and a CSP that runs nothing."""
    with app.test_request_context():
        stored = upload(content, "poly.html", uploader)
        db.session.commit()
        file_id = stored.id
    auth.login(uploader)
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'self'" in csp


def test_an_oversized_body_is_413(make_app):
    app = make_app(MAX_UPLOAD_BYTES=1024, MAX_CONTENT_LENGTH=2048)
    with app.app_context():
        user = make_member("institute")
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-1"})
    big = {"file": (io.BytesIO(PDF + b"%" * 4096), "big.pdf")}
    page = client.post("/contracts/1/file?lang=en", data=big)
    assert page.status_code == 413
    assert "The upload is larger than allowed." in page.get_data(as_text=True)
    token = client.post("/api/v1/tokens", json={"username": user.username,
                                                "password": "correct-horse-1"}).get_json()
    api = client.post("/api/v1/contracts/1/files", headers={
        "Authorization": f"Bearer {token['token']}", "Accept-Language": "en"},
        data={"file": (io.BytesIO(PDF + b"%" * 4096), "big.pdf")})
    assert api.status_code == 413
    assert api.get_json()["error"]["code"] == "too_large"
    assert files_in(app.config["UPLOAD_DIR"]) == []


# --- every upload endpoint, over HTTP, in the demo market ----------------------------------

def _withdraw_achievement(world):
    """Achievement 12 (luliangu's) back to draft, so that its owner may attach files."""
    response = world.request("inst2", "POST", "/api/v1/achievements/12/withdraw", json={})
    assert response.status_code == 200, response.get_json()


@pytest.fixture(scope="module")
def world(world_dir):
    built = build_world(world_dir)
    _withdraw_achievement(built)
    yield built
    tear_down(built)


# (role, method, url, file field, extra form fields): the owner of each record.
ENDPOINTS = {
    "achievement page": ("inst2", "/achievements/12/files", "file", {"kind": "paper"}),
    "achievement API": ("inst2", "/api/v1/achievements/12/files", "file",
                        {"kind": "evaluation_proof"}),
    "contract page": ("inst", "/contracts/71/file", "file", {}),
    "contract API": ("inst", "/api/v1/contracts/71/files", "file", {}),
    "complaint page": ("ent", "/complaints/3/evidence", "evidence", {}),
    "complaint API": ("ent", "/api/v1/complaints/3/files", "file", {}),
    "broker photo API": ("broker", "/api/v1/brokers/me/photo", "photo", {}),
}


def stored_count(world):
    with world.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))


def test_every_upload_endpoint_refuses_hostile_files(world):
    """One test for all endpoints: one world to build, on one xdist worker."""
    for endpoint in ENDPOINTS:
        check_endpoint(world, endpoint)


def check_endpoint(world, endpoint):
    role, url, field, extra = ENDPOINTS[endpoint]
    folder = world.app.config["UPLOAD_DIR"]
    before, on_disk = stored_count(world), files_in(folder)
    hostile = [(SCRIPT_AS_PDF, "report.pdf"), (GIF_JS, "photo.png"), (JPEG_SVG, "p.jpg"),
               (PDF if field != "photo" else PNG, "../../etc/passwd.pdf")]
    for content, filename in hostile:
        response = world.request(role, "POST", url,
                                 data={field: (io.BytesIO(content), filename), **extra})
        assert response.status_code in (302, 422), (endpoint, filename, response.status_code)
        assert stored_count(world) == before, (endpoint, filename)
        assert files_in(folder) == on_disk, (endpoint, filename)
    # …while a good file is taken: the endpoint did reach the checks
    good = PNG if field == "photo" else PDF
    response = world.request(role, "POST", url,
                             data={field: (io.BytesIO(good), "good.pdf"), **extra})
    assert response.status_code < 400, (endpoint, response.status_code)
    assert stored_count(world) == before + 1, endpoint
    assert len(files_in(folder)) == len(on_disk) + 1
    assert all(len(path.parts) == 1 for path in files_in(folder))  # nothing in sub-folders
