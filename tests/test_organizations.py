"""The bureau verifies or rejects organisations, through its pages and through the API;
members correct a rejected organisation and so resubmit it; everyone concerned sees why."""
from datetime import datetime

import pytest
from sqlalchemy import select

from marketplace import audit
from marketplace.accounts.models import Organization
from marketplace.extensions import db
from marketplace.inbox.models import Notification

from .factories import make_org, make_user
from .pages import element_text, field_errors, text

MOMENT = "2026-10-09T10:30:00+08:00"


@pytest.fixture
def applicant(app):
    """An unverified organisation with two members, and a bureau officer."""
    with app.app_context():
        org = make_org(status="unverified", name="吕梁市申请人科技有限公司")
        members = [make_user("enterprise", org=org), make_user("enterprise", org=org)]
        officer = make_user("bureau", username="officer")
    return org, members, officer


def stored(app, org_id):
    with app.app_context():
        org = db.session.get(Organization, org_id)
        db.session.expunge(org)
        return org


def notes_of(app, user):
    with app.app_context():
        return db.session.scalars(select(Notification).where(
            Notification.user_id == user.id)).all()


def history(app, org_id):
    with app.app_context():
        return [(e.action, e.from_state, e.to_state, e.actor_id, e.comment)
                for e in audit.history("organization", org_id)]


def assert_verified_by(app, org, members, officer):
    after = stored(app, org.id)
    assert after.status == "verified"
    assert after.verified_by_id == officer.id
    assert after.verified_at == datetime.fromisoformat(MOMENT)
    assert history(app, org.id) == [("verify", "unverified", "verified", officer.id, None)]
    for member in members:
        [note] = notes_of(app, member)
        assert note.message == "Your organisation %(name)s has been verified."
        assert note.params["name"] == org.name and note.link == f"/organizations/{org.id}"


# --- through the API ---------------------------------------------------------------------

def test_api_verify(app, api, clock, applicant):
    org, members, officer = applicant
    clock.set(MOMENT)
    api.login(officer)
    response = api.post(f"/organizations/{org.id}/verify", json={"decision": "verify"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "verified" and body["verified_by"] == "officer"
    assert datetime.fromisoformat(body["verified_at"]) == datetime.fromisoformat(MOMENT)
    assert_verified_by(app, org, members, officer)


def test_api_reject_needs_a_comment(app, api, applicant):
    org, _, officer = applicant
    api.login(officer)
    for body in ({"decision": "reject"}, {"decision": "reject", "comment": "   "}):
        response = api.post(f"/organizations/{org.id}/verify", json=body, lang="en")
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["comment"] == [
            "Give the reason for rejecting."]
    assert stored(app, org.id).status == "unverified"
    assert history(app, org.id) == []


def test_api_reject(app, api, applicant):
    org, members, officer = applicant
    api.login(officer)
    response = api.post(f"/organizations/{org.id}/verify",
                        json={"decision": "reject", "comment": "信用代码与营业执照不符"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "rejected"
    after = stored(app, org.id)
    assert after.status == "rejected" and after.review_comment == "信用代码与营业执照不符"
    assert after.verified_at is None and after.verified_by_id is None
    assert history(app, org.id) == [
        ("reject", "unverified", "rejected", officer.id, "信用代码与营业执照不符")]
    for member in members:
        [note] = notes_of(app, member)
        assert note.params["comment"] == "信用代码与营业执照不符"


@pytest.mark.parametrize("status", ["verified", "rejected"])
@pytest.mark.parametrize("decision", ["verify", "reject"])
def test_api_deciding_twice_is_a_conflict(app, api, status, decision):
    with app.app_context():
        org = make_org(status=status)
        officer = make_user("bureau")
    api.login(officer)
    response = api.post(f"/organizations/{org.id}/verify",
                        json={"decision": decision, "comment": "再次审核"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert stored(app, org.id).status == status
    assert history(app, org.id) == []


def test_api_unknown_decision_and_organisation(api, applicant):
    org, _, officer = applicant
    api.login(officer)
    response = api.post(f"/organizations/{org.id}/verify", json={"decision": "approve"})
    assert response.status_code == 422
    assert "decision" in response.get_json()["error"]["fields"]
    assert api.post("/organizations/999999/verify",
                    json={"decision": "verify"}).status_code == 404


# --- through the bureau's pages --------------------------------------------------------------

def review(client, org, lang="en", **form):
    form.setdefault("version", org.version)
    return client.post(f"/bureau/organizations/{org.id}?lang={lang}", data=form)


def test_queue_lists_unverified_organisations_oldest_first(app, client, auth, clock):
    clock.set("2026-10-01T09:00:00+08:00")
    with app.app_context():
        first = make_org(status="unverified", name="甲公司")
        clock.advance(days=1)
        second = make_org(status="unverified", name="乙公司")
        make_org(status="verified", name="丙公司")
        officer = make_user("bureau")
    auth.login(officer)
    html = client.get("/bureau/organizations").get_data(as_text=True)
    assert html.index(first.name) < html.index(second.name)
    assert "丙公司" not in html


def test_page_verify(app, client, auth, clock, applicant):
    org, members, officer = applicant
    clock.set(MOMENT)
    auth.login(officer)
    page = client.get(f"/bureau/organizations/{org.id}").get_data(as_text=True)
    assert org.name in page and members[0].username in page
    response = review(client, org, decision="verify")
    assert response.status_code == 302
    assert response.headers["Location"] == "/bureau/organizations"
    assert_verified_by(app, org, members, officer)


def test_page_reject_needs_a_comment(app, client, auth, applicant):
    org, _, officer = applicant
    auth.login(officer)
    response = review(client, org, decision="reject", comment="")
    assert response.status_code == 422
    assert "Give the reason for rejecting." in text(field_errors(
        response.get_data(as_text=True), "comment"))
    assert stored(app, org.id).status == "unverified"


def test_page_reject(app, client, auth, applicant):
    org, members, officer = applicant
    auth.login(officer)
    assert review(client, org, decision="reject", comment="地址不详").status_code == 302
    after = stored(app, org.id)
    assert (after.status, after.review_comment) == ("rejected", "地址不详")
    assert all(len(notes_of(app, m)) == 1 for m in members)


def test_page_deciding_a_decided_organisation_changes_nothing(app, client, auth, applicant):
    org, _, officer = applicant
    auth.login(officer)
    assert review(client, org, decision="verify").status_code == 302
    response = review(client, org, decision="reject", comment="改变主意",
                      version=stored(app, org.id).version)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bureau/organizations/{org.id}"
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "This action is not possible while the record is Verified." in text(page)
    assert stored(app, org.id).status == "verified"
    assert [h[0] for h in history(app, org.id)] == ["verify"]


def test_page_decision_on_a_stale_form_changes_nothing(app, client, auth, applicant):
    org, members, officer = applicant
    auth.login(officer)
    seen = org.version
    with app.app_context():  # a member corrects the details while the officer reads them
        record = db.session.get(Organization, org.id)
        record.address = "吕梁市离石区新地址 9 号"
        db.session.commit()
    response = review(client, org, decision="verify", version=seen)
    assert response.status_code == 302
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "This record has changed; reload it and try again." in text(page)
    assert stored(app, org.id).status == "unverified"


def test_administrators_see_the_review_but_do_not_decide(app, client, login, applicant):
    org, _, _ = applicant
    login("admin")
    response = review(client, org, decision="verify")
    assert response.status_code == 403  # as on the achievement and contract review pages
    assert stored(app, org.id).status == "unverified"


# --- members correct a rejected organisation --------------------------------------------------

def edit_form(org, **changes):
    form = {f"org_{name}": getattr(org, name) for name in (
        "name", "kind", "entity_type", "credit_code", "county", "address", "contact_name",
        "contact_phone")}
    form.update({f"org_{k}": v for k, v in changes.items()})
    return form


def test_editing_a_rejected_organisation_resubmits_it(app, client, auth, applicant):
    org, members, officer = applicant
    with app.app_context():
        from marketplace.accounts.services import review_organization

        review_organization(org.id, "reject", officer, "地址不详")
    auth.login(members[0])
    assert client.get(f"/organizations/{org.id}/edit").status_code == 200
    response = client.post(f"/organizations/{org.id}/edit",
                           data=edit_form(org, address="吕梁市离石区永宁路 66 号"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organizations/{org.id}"
    after = stored(app, org.id)
    assert (after.status, after.address) == ("unverified", "吕梁市离石区永宁路 66 号")
    assert [h[:4] for h in history(app, org.id)] == [
        ("reject", "unverified", "rejected", officer.id),
        ("edit", None, None, members[0].id),
        ("resubmit", "rejected", "unverified", members[0].id)]


def test_editing_an_unverified_organisation_keeps_it_waiting(app, client, auth, applicant):
    org, members, _ = applicant
    auth.login(members[1])
    assert client.post(f"/organizations/{org.id}/edit",
                       data=edit_form(org, name="新名称有限公司")).status_code == 302
    after = stored(app, org.id)
    assert (after.status, after.name) == ("unverified", "新名称有限公司")
    assert [h[0] for h in history(app, org.id)] == ["edit"]


def test_edit_validation(app, client, auth, applicant):
    org, members, _ = applicant
    auth.login(members[0])
    response = client.post(f"/organizations/{org.id}/edit?lang=en",
                           data=edit_form(org, credit_code="91350100M000100Y44",
                                          contact_phone="none"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not a valid unified social credit code" in text(field_errors(html,
                                                                         "org_credit_code"))
    assert field_errors(html, "org_contact_phone")
    assert stored(app, org.id).credit_code == org.credit_code


def test_a_verified_organisation_is_not_edited_by_members(app, client, auth):
    with app.app_context():
        org = make_org(status="verified")
        member = make_user("institute", org=org)
    auth.login(member)
    response = client.post(f"/organizations/{org.id}/edit?lang=en",
                           data=edit_form(org, name="偷偷改名"))
    assert response.status_code == 422
    assert "A verified organisation's details are changed by the bureau." in text(
        response.get_data(as_text=True))
    assert stored(app, org.id).name == org.name


# --- the history on the organisation's page ---------------------------------------------------

@pytest.fixture
def rejected(app, applicant):
    org, members, officer = applicant
    with app.app_context():
        from marketplace.accounts.services import review_organization

        review_organization(org.id, "reject", officer, "缺少营业执照信息")
    return org, members, officer


def test_members_see_the_history_and_the_reason(client, auth, rejected):
    org, members, _ = rejected
    auth.login(members[0])
    html = client.get(f"/organizations/{org.id}?lang=en").get_data(as_text=True)
    history_text = element_text(html, "history-heading")
    assert history_text == "History"
    assert "缺少营业执照信息" in html and "officer" in html


def test_officers_see_the_history(client, login, rejected):
    org, _, _ = rejected
    login("bureau")
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert element_text(html, "history-heading") and "缺少营业执照信息" in html


def test_the_public_sees_a_verified_organisation_without_its_history(app, client, auth):
    with app.app_context():
        org = make_org(status="verified", name="公开的公司")
        stranger = make_user("enterprise", org=make_org())
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert "公开的公司" in html and element_text(html, "history-heading") is None
    auth.login(stranger)
    html = client.get(f"/organizations/{org.id}").get_data(as_text=True)
    assert element_text(html, "history-heading") is None
