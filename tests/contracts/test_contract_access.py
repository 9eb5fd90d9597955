"""Who may read, change and download what: the filing side, the buyer side, strangers,
brokers, officers, the admin and visitors, on every contract endpoint and page."""
import io

import pytest
from contract_helpers import bearer, flashes

from tests.factories import PDF

# Each API endpoint of one contract, with a request body that would otherwise be accepted.
ENDPOINTS = {
    "get": ("GET", "", None),
    "patch": ("PATCH", "", {"title": "改过的合同名称"}),
    "files": ("POST", "/files", "multipart"),
    "submit": ("POST", "/submit", None),
    "review": ("POST", "/review", {"decision": "certify"}),
    "revoke": ("POST", "/revoke", {"ground": "false", "comment": "虚假合同。"}),
    "cancel": ("POST", "/cancel", {"comment": "双方解除。"}),
}
# The answer each role gets from each endpoint on a draft (which the filer may change).
F, D, N, U = 200, 403, 404, 401
EXPECTED = {
    #           get patch files submit review revoke cancel
    "filer":    (F, F, 201, F, D, D, 409),
    "buyer":    (F, D, D, D, D, D, D),
    "stranger": (N, N, N, N, N, N, N),
    "broker":   (N, N, N, N, N, N, N),
    "bureau":   (F, D, D, D, 409, 409, D),
    "admin":    (F, D, D, D, D, D, D),
    "visitor":  (U, U, U, U, U, U, U),
}


def call(client, record_id, endpoint, token):
    method, tail, body = ENDPOINTS[endpoint]
    kwargs = {}
    if body == "multipart":
        kwargs["data"] = {"file": (io.BytesIO(PDF), "合同.pdf")}
    elif body is not None:
        kwargs["json"] = body
    return client.open(f"/api/v1/contracts/{record_id}{tail}", method=method,
                       headers=bearer(token), **kwargs)


def test_every_endpoint_answers_each_role_as_the_table_says(market, client):
    filer = market.filer()
    buyer_org = market.buyer_org()
    actors = market.actors(filer, buyer_org)
    got, expected = {}, {}
    # The filer's own requests last: they change the draft.
    for role in sorted(actors, key=lambda r: r == "filer"):
        user = actors[role]
        token = market.token(user) if user else None
        record_id = market.contract(filer, buyer=buyer_org)
        before = market.get(record_id)
        history = market.history(record_id)
        for endpoint, status in zip(ENDPOINTS, EXPECTED[role], strict=True):
            response = call(client, record_id, endpoint, token)
            got[role, endpoint] = response.status_code
            expected[role, endpoint] = status
            if response.status_code >= 400:
                assert response.get_json()["error"]["code"], (role, endpoint)
                if role != "filer":
                    assert market.history(record_id) == history, (role, endpoint)
        if role != "filer":
            after = market.get(record_id)
            assert (after.title, after.status, after.version) == (
                before.title, before.status, before.version), role
    assert got == expected


def test_the_buyer_side_reads_everything_the_filer_sees(market, client):
    filer = market.filer()
    buyer_org = market.buyer_org()
    buyer = market.member_of(buyer_org)
    record_id = market.contract(filer, "certified", buyer=buyer_org)
    mine = client.get(f"/api/v1/contracts/{record_id}", headers=bearer(market.token(filer)))
    theirs = client.get(f"/api/v1/contracts/{record_id}", headers=bearer(market.token(buyer)))
    assert theirs.status_code == 200
    assert theirs.get_json() == mine.get_json()
    assert theirs.get_json()["registration_number"]


def test_a_contract_that_no_longer_names_the_buyer_hides_from_it(market, client):
    filer = market.filer()
    buyer_org = market.buyer_org()
    buyer = market.member_of(buyer_org)
    filer_token = market.token(filer)
    record_id = market.contract(filer, buyer=buyer_org)
    assert client.get(f"/api/v1/contracts/{record_id}",
                      headers=bearer(market.token(buyer))).status_code == 200
    patched = client.patch(f"/api/v1/contracts/{record_id}", headers=bearer(filer_token),
                           json={"buyer": {"name": "张三", "entity_type": "individual",
                                           "region": "141102"}})
    assert patched.status_code == 200, patched.get_json()
    assert client.get(f"/api/v1/contracts/{record_id}",
                      headers=bearer(market.token(buyer))).status_code == 404


@pytest.mark.parametrize("state", ["submitted", "certified", "rejected", "revoked",
                                   "cancelled"])
def test_only_drafts_and_returned_contracts_change(market, client, state):
    filer = market.filer()
    token = market.token(filer)
    record_id = market.contract(filer, state)
    before = market.get(record_id)
    patched = client.patch(f"/api/v1/contracts/{record_id}", headers=bearer(token),
                           json={"title": "改"})
    uploaded = call(client, record_id, "files", token)
    assert (patched.status_code, uploaded.status_code) == (409, 409)
    after = market.get(record_id)
    assert (after.title, after.version) == (before.title, before.version)


def test_a_returned_contract_is_corrected_through_patch(market, client):
    filer = market.filer()
    token = market.token(filer)
    record_id = market.contract(filer, "returned")
    response = client.patch(f"/api/v1/contracts/{record_id}", headers=bearer(token), json={
        "total_amount": "1500000", "technology_amount": "1300000.00",
        "non_technical_items": [{"name": "检测仪器", "amount": "150000"},
                                {"name": "材料", "amount": "50000.00"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["total_amount"], body["technology_amount"]) == (
        "returned", "1500000.00", "1300000.00")
    assert [i["amount"] for i in body["non_technical_items"]] == ["150000.00", "50000.00"]
    edit = market.history(record_id)[-1]
    assert edit[0] == "edit"
    data = market.audit_data(record_id)[-1]
    assert (data["new_total"], data["new_technology"]) == ("1500000.00", "1300000.00")
    mismatch = client.patch(f"/api/v1/contracts/{record_id}", headers=bearer(token),
                            json={"total_amount": "1600000.00"})
    assert mismatch.status_code == 422
    assert "technology_amount" in mismatch.get_json()["error"]["fields"]


def test_a_patch_changes_only_what_it_names(market, client):
    filer = market.filer()
    record_id = market.contract(filer, contract_type="transfer", subtype="patent_right",
                                expected_investment="3000000.00", plan_category="provincial")
    before = client.get(f"/api/v1/contracts/{record_id}",
                        headers=bearer(market.token(filer))).get_json()
    response = client.patch(f"/api/v1/contracts/{record_id}",
                            headers=bearer(market.token(filer)), json={"title": "新合同名称"})
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"title", "updated_at"} or changed == {"title"}
    assert after["expected_investment"] == "3000000.00"
    assert after["plan_category"] == "provincial"


def test_the_list_shows_each_organisation_its_own_contracts(market, client):
    filer = market.filer()
    buyer_org = market.buyer_org()
    buyer = market.member_of(buyer_org)
    stranger = market.user("enterprise")
    ours = market.contract(filer, buyer=buyer_org)
    other = market.contract(filer)
    theirs = market.contract(market.filer(), "submitted")

    def ids(user, query=""):
        response = client.get(f"/api/v1/contracts{query}", headers=bearer(market.token(user)))
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids(filer, "?mine=1") == [other, ours]
    assert ids(filer) == [other, ours]
    assert ids(buyer, "?mine=1") == [ours]
    assert ids(stranger) == []
    assert ids(market.bureau()) == [theirs, other, ours]
    assert ids(market.bureau(), "?status=submitted") == [theirs]
    page = client.get("/api/v1/contracts?per_page=1&page=2",
                      headers=bearer(market.token(filer))).get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (2, 2, 1, 1)
    assert client.get("/api/v1/contracts").status_code == 401
    assert client.get("/api/v1/contracts?per_page=101",
                      headers=bearer(market.token(filer))).status_code == 422


# --- the signed PDF ------------------------------------------------------------------------------

def test_the_signed_pdf_is_readable_by_both_parties_and_the_bureau_only(market):
    filer = market.filer()
    buyer_org = market.buyer_org()
    record_id = market.contract(filer, "submitted", buyer=buyer_org)
    with market.app.app_context():
        from marketplace.contracts import services
        from marketplace.extensions import db

        stored = services.signed_copy(db.session.get(services.Contract, record_id))
        file_id = stored.id
    readers = {
        "filer": (filer, 200),
        "colleague": (market.member_of(filer.organization_id, role="institute"), 200),
        "buyer": (market.member_of(buyer_org), 200),
        "bureau": (market.bureau(), 200),
        "admin": (market.user("admin"), 200),
        "stranger": (market.user("enterprise"), 404),
        "broker": (market.user("broker"), 404),
        "another institute": (market.filer(), 404),
    }
    for name, (user, status) in readers.items():
        response = market.page_client(user).get(f"/files/{file_id}")
        assert response.status_code == status, name
        if status == 200:
            assert response.data == PDF
            assert response.headers["Content-Type"] == "application/pdf"
            assert "no-store" in response.headers["Cache-Control"]
    visitor = market.page_client(None).get(f"/files/{file_id}")
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


# --- pages ---------------------------------------------------------------------------------------

def test_the_buyer_side_and_strangers_cannot_edit_or_upload_through_the_pages(market):
    filer = market.filer()
    buyer_org = market.buyer_org()
    record_id = market.contract(filer, buyer=buyer_org, signed=False)
    cases = {
        "buyer": (market.member_of(buyer_org), 403),
        "stranger": (market.user("enterprise"), 404),
        "broker": (market.user("broker"), 404),
        "bureau": (market.bureau(), 403),
        "admin": (market.user("admin"), 403),
    }
    for name, (user, status) in cases.items():
        client = market.page_client(user)
        assert client.get(f"/contracts/{record_id}/edit").status_code == status, name
        assert client.post(f"/contracts/{record_id}/edit",
                           data={"title": "改"}).status_code == status, name
        upload = client.post(f"/contracts/{record_id}/file",
                             data={"file": (io.BytesIO(PDF), "合同.pdf")})
        assert upload.status_code == status, name
        assert flashes(client) == [], name
    assert market.get(record_id).title != "改"
    assert [h[0] for h in market.history(record_id)] == ["create"]
    visitor = market.page_client(None)
    for url in (f"/contracts/{record_id}/edit", f"/contracts/{record_id}",
                f"/contracts/{record_id}/certificate", "/contracts", "/contracts/new"):
        response = visitor.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_the_filer_uploads_the_signed_pdf_through_the_page(market):
    filer = market.filer()
    record_id = market.contract(filer, signed=False)
    client = market.page_client(filer)
    refused = client.post(f"/contracts/{record_id}/file",
                          data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64),
                                         "scan.png")})
    assert refused.status_code == 302
    assert [c for c, _ in flashes(client)] == ["danger"]
    assert [h[0] for h in market.history(record_id)] == ["create"]
    ok = client.post(f"/contracts/{record_id}/file",
                     data={"file": (io.BytesIO(PDF), "合同.pdf")})
    assert ok.status_code == 302
    assert ok.headers["Location"].endswith(f"/contracts/{record_id}")
    assert [c for c, _ in flashes(client)] == ["success"]
    assert market.history(record_id)[-1][0] == "upload_contract"


@pytest.mark.parametrize("state", ["submitted", "certified", "rejected"])
def test_the_edit_page_sends_a_locked_contract_back_with_a_message(market, state):
    filer = market.filer()
    record_id = market.contract(filer, state)
    client = market.page_client(filer)
    for method in ("GET", "POST"):
        response = client.open(f"/contracts/{record_id}/edit", method=method,
                               data={"title": "改"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/contracts/{record_id}")
        assert [c for c, _ in flashes(client)] == ["warning"]
    assert market.get(record_id).title != "改"


@pytest.mark.parametrize(("role", "status"), [("institute", 403), ("enterprise", 403),
                                              ("broker", 403), ("bureau", 200),
                                              ("admin", 200)])
def test_the_bureau_pages_are_for_officers(market, role, status):
    record_id = market.contract(market.filer(), "submitted")
    user = market.bureau() if role == "bureau" else market.user(role)
    client = market.page_client(user)
    if status == 403:
        assert client.get("/bureau/contracts").status_code == 403
        assert client.get(f"/bureau/contracts/{record_id}").status_code == 403
    assert client.post(f"/bureau/contracts/{record_id}/revoke",
                       data={"ground": "false", "comment": "x"}).status_code == (
        403 if role != "bureau" else 302)


def test_parties_pages_are_for_party_roles(market):
    for role in ("broker", "bureau", "admin"):
        client = market.page_client(market.user(role))
        assert client.get("/contracts").status_code == 403, role
        assert client.get("/contracts/new").status_code == 403, role
        assert client.post("/contracts/new", data={}).status_code == 403, role
