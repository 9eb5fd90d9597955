"""API.md "Brokers": PUT /brokers/me, POST /brokers/<id>/verify, GET /brokers and
GET /brokers/<id> with its track record; who may call what, and what each sees."""
import pytest
from broker_helpers import (
    COMMENT,
    BrokerApi,
    api_body,
    get_profile,
    history,
    make_broker,
    officer,
)

from tests.factories import JPEG, PDF, PNG, make_member, make_user


@pytest.fixture
def api(client):
    return BrokerApi(client)


def a_user(app, role):
    with app.app_context():
        return make_member(role) if role in ("enterprise", "institute", "broker") \
            else make_user(role)


# --- PUT /brokers/me -----------------------------------------------------------------------------

def test_a_broker_files_its_profile_then_changes_it(app, api):
    user = a_user(app, "broker")
    body = api_body()
    created = api.put_profile(user, body)
    assert created.status_code == 201
    profile = created.get_json()
    assert profile["status"] == "pending" and profile["user_id"] == user.id
    assert {k: profile[k] for k in body} == body
    assert profile["employer"]["id"] == user.organization_id
    assert profile["track_record"]["deals"] == 0

    changed = api.put_profile(user, {"bio": "只改介绍。"})
    assert changed.status_code == 200
    assert changed.get_json()["bio"] == "只改介绍。"
    assert changed.get_json()["real_name"] == body["real_name"]  # left out: kept
    assert changed.get_json()["id"] == profile["id"]
    assert [e[0] for e in history(app, profile["id"])] == ["create", "edit"]


def test_the_api_md_body_alone_files_a_profile(app, api):
    user = a_user(app, "broker")
    body = {k: v for k, v in api_body(level="senior").items() if k in (
        "real_name", "level", "filing_number", "certificate_number", "fields", "regions",
        "bio")}
    response = api.put_profile(user, body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["services"] == []


def test_changing_the_level_of_a_verified_profile_sends_it_back(app, api):
    broker = make_broker(app, level="intermediate")
    response = api.put_profile(broker.user, {"level": "senior"})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["level"]) == ("pending",
                                                                            "senior")


@pytest.mark.parametrize("role", ["enterprise", "institute", "bureau", "admin"])
def test_only_brokers_put_a_profile(app, api, role):
    response = api.put_profile(a_user(app, role))
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == ("Only technology brokers keep a broker "
                                                       "profile.")


def test_putting_a_profile_needs_a_token(api):
    assert api.put_profile(None).status_code == 401


def test_a_body_that_is_not_an_object_is_400(app, api):
    response = api.call("PUT", "/brokers/me", a_user(app, "broker"), json=["张建国"])
    assert response.status_code == 400


def test_a_cancelled_profile_is_409(app, api):
    broker = make_broker(app, status="cancelled")
    assert api.put_profile(broker.user, {"bio": "再试"}).status_code == 409


def test_get_my_profile(app, api):
    user = a_user(app, "broker")
    assert api.get("/brokers/me", user).status_code == 404
    profile_id = api.put_profile(user).get_json()["id"]
    response = api.get("/brokers/me", user)
    assert (response.status_code, response.get_json()["id"]) == (200, profile_id)


# --- the photo --------------------------------------------------------------------------------

@pytest.mark.parametrize("content, name, content_type", [(PNG, "me.png", "image/png"),
                                                         (JPEG, "me.jpg", "image/jpeg")])
def test_a_broker_uploads_its_photo(app, api, client, content, name, content_type):
    import io

    broker = make_broker(app)
    response = api.call("POST", "/brokers/me/photo", broker.user, json=None,
                        data={"photo": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    url = response.get_json()["photo_url"]
    assert url == f"/brokers/{broker.profile_id}/photo"
    photo = client.get(url)
    assert (photo.status_code, photo.mimetype, photo.data) == (200, content_type, content)
    assert str(get_profile(app, broker.profile_id).status) == "verified"  # a photo is no
    assert history(app, broker.profile_id)[-1][0] == "edit"               # qualification


@pytest.mark.parametrize("files, message", [
    ({"photo": (PDF, "me.pdf")}, "The photo must be a PNG or JPEG image."),
    ({"photo": (b"GIF89a....", "me.gif")}, "Only PDF, PNG and JPEG files are accepted."),
    ({}, "Choose a file to upload."),
])
def test_a_photo_must_be_png_or_jpeg(app, api, files, message):
    import io

    broker = make_broker(app)
    response = api.call("POST", "/brokers/me/photo", broker.user, json=None,
                        data={k: (io.BytesIO(c), n) for k, (c, n) in files.items()},
                        content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"photo": [message]}
    assert get_profile(app, broker.profile_id).photo_id is None


def test_a_photo_over_the_upload_limit_is_refused(make_app):
    import io

    app = make_app(MAX_UPLOAD_BYTES=len(PNG) - 1)
    broker = make_broker(app)
    response = BrokerApi(app.test_client()).call(
        "POST", "/brokers/me/photo", broker.user, json=None,
        data={"photo": (io.BytesIO(PNG), "me.png")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["photo"]


def test_only_a_broker_with_a_profile_uploads_a_photo(app, api):
    import io

    for user in (a_user(app, "broker"), a_user(app, "enterprise")):
        response = api.call("POST", "/brokers/me/photo", user, json=None,
                            data={"photo": (io.BytesIO(PNG), "me.png")},
                            content_type="multipart/form-data")
        assert response.status_code == 404


# --- POST /brokers/<id>/verify ------------------------------------------------------------------

def test_the_bureau_verifies_through_the_api(app, api):
    broker = make_broker(app, status="pending")
    bureau = officer(app)
    response = api.decide(broker.profile_id, bureau, "verify")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["id"]) == ("verified", broker.profile_id)
    assert body["verified_at"] is not None and "track_record" in body


@pytest.mark.parametrize("role, state, status", [
    ("admin", "pending", 403), ("admin", "verified", 403),
    ("owner", "pending", 403), ("broker", "pending", 404), ("broker", "verified", 403),
    ("enterprise", "pending", 404), ("enterprise", "verified", 403),
    ("institute", "verified", 403), ("visitor", "pending", 401), ("visitor", "verified", 401),
])
def test_who_may_not_decide(app, api, role, state, status):
    broker = make_broker(app, status=state)
    user = {"owner": broker.user, "visitor": None}[role] if role in ("owner", "visitor") \
        else a_user(app, role)
    decision = "verify" if state == "pending" else "suspend"
    response = api.decide(broker.profile_id, user, decision, COMMENT)
    assert response.status_code == status
    assert str(get_profile(app, broker.profile_id).status) == state


def test_the_broker_cancels_its_own_profile_through_the_api(app, api):
    broker = make_broker(app)
    response = api.decide(broker.profile_id, broker.user, "cancel")
    assert (response.status_code, response.get_json()["status"]) == (200, "cancelled")


@pytest.mark.parametrize("state, decision", [("verified", "verify"), ("pending", "suspend"),
                                             ("rejected", "reinstate"), ("cancelled", "cancel")])
def test_a_decision_the_state_does_not_allow_is_409(app, api, state, decision):
    broker = make_broker(app, status=state)
    response = api.decide(broker.profile_id, officer(app), decision, COMMENT)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("body, field", [({"decision": "approve"}, "decision"),
                                         ({}, "decision"),
                                         ({"decision": "reject", "comment": " "}, "comment")])
def test_a_decision_names_the_field_it_lacks(app, api, body, field):
    broker = make_broker(app, status="pending")
    response = api.call("POST", f"/brokers/{broker.profile_id}/verify", officer(app), body)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


def test_a_stale_version_is_409(app, api):
    broker = make_broker(app, status="pending")
    version = get_profile(app, broker.profile_id).version
    response = api.call("POST", f"/brokers/{broker.profile_id}/verify", officer(app),
                        {"decision": "verify", "version": version + 1})
    assert response.status_code == 409


def test_no_such_profile_is_404(app, api):
    assert api.decide(12345, officer(app), "verify").status_code == 404


# --- GET /brokers and /brokers/<id> --------------------------------------------------------------

def test_the_list_holds_verified_brokers_only(app, api):
    shown = [make_broker(app, real_name=name) for name in ("王丽", "李强")]
    for state in ("pending", "rejected", "suspended", "cancelled"):
        make_broker(app, status=state, real_name="不应出现")
    body = api.get("/brokers").get_json()
    assert [item["real_name"] for item in body["items"]] == ["李强", "王丽"]
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 20)
    assert {item["id"] for item in body["items"]} == {b.profile_id for b in shown}
    # Officers see the same directory: the queue is where the others are.
    assert api.get("/brokers", officer(app)).get_json()["total"] == 2


def test_the_list_filters_and_pages(app, api):
    coal = make_broker(app, level="senior", real_name="甲", fields=["coal"],
                       regions=["141124"], services=["valuation"], bio="镁合金压铸工艺")
    make_broker(app, level="junior", real_name="乙", fields=["agriculture"],
                regions=["140000"], services=["ip"])
    make_broker(app, level="intermediate", real_name="丙", fields=["coal", "power"],
                regions=["141102"], services=["matching"])

    def names(query):
        response = api.get("/brokers?" + query)
        assert response.status_code == 200, response.get_json()
        return [i["real_name"] for i in response.get_json()["items"]]

    assert names("level=senior") == ["甲"]
    assert sorted(names("field=coal")) == ["丙", "甲"]
    assert names("region=141124") == ["甲"]
    assert names("service=ip") == ["乙"]
    assert names("q=镁合金") == ["甲"]
    assert names("field=coal&level=intermediate") == ["丙"]
    page = api.get("/brokers?per_page=2&page=2").get_json()
    assert (len(page["items"]), page["total"], page["page"]) == (1, 3, 2)
    assert api.get(f"/brokers/{coal.profile_id}").status_code == 200


@pytest.mark.parametrize("query, field", [("level=expert", "level"), ("field=mining", "field"),
                                          ("region=141100", "region"),
                                          ("service=x", "service"), ("sort=age", "sort"),
                                          ("per_page=101", "per_page"), ("page=0", "page")])
def test_a_bad_filter_is_422(api, query, field):
    response = api.get("/brokers?" + query)
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [field]


@pytest.mark.parametrize("state", ["pending", "rejected", "suspended", "cancelled"])
def test_an_unverified_profile_is_404_to_everyone_but_the_broker_and_officers(app, api,
                                                                             state):
    broker = make_broker(app, status=state)
    url = f"/brokers/{broker.profile_id}"
    for user in (None, a_user(app, "broker"), a_user(app, "enterprise")):
        assert api.get(url, user).status_code == 404
    for user in (broker.user, officer(app), a_user(app, "admin")):
        response = api.get(url, user)
        assert (response.status_code, response.get_json()["status"]) == (200, state)


def test_the_contact_needs_a_token_and_the_comment_is_the_brokers(app, api):
    broker = make_broker(app, status="suspended")
    api.decide(broker.profile_id, officer(app), "reinstate")
    url = f"/brokers/{broker.profile_id}"
    public = api.get(url).get_json()
    assert (public["contact_phone"], public["contact_email"]) == (None, None)
    assert public["review_comment"] is None
    someone = api.get(url, a_user(app, "enterprise")).get_json()
    assert (someone["contact_phone"], someone["contact_email"]) == ("0358-8221234",
                                                                    "zhang@example.cn")
    assert someone["review_comment"] is None
    assert api.get(url, broker.user).get_json()["review_comment"] is None  # reinstated: none
    api.decide(broker.profile_id, officer(app), "suspend", COMMENT)
    assert api.get(url, broker.user).get_json()["review_comment"] == COMMENT
    # The list hides the contact from visitors too.
    api.decide(broker.profile_id, officer(app), "reinstate")
    assert api.get("/brokers").get_json()["items"][0]["contact_phone"] is None


def test_another_brokers_id_does_not_reach_its_profile(app, api):
    """PUT /brokers/me only ever changes the caller's own profile."""
    mine, theirs = make_broker(app), make_broker(app, real_name="他人")
    api.put_profile(mine.user, {"bio": "我的介绍"})
    assert get_profile(app, theirs.profile_id).bio != "我的介绍"
    assert api.decide(theirs.profile_id, mine.user, "cancel").status_code == 403
    assert str(get_profile(app, theirs.profile_id).status) == "verified"


def test_the_openapi_document_describes_the_broker_endpoints(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert set(paths["/brokers/me"]) == {"put", "get"}
    assert "post" in paths["/brokers/{profile_id}/verify"]
    assert "get" in paths["/brokers"] and "get" in paths["/brokers/{profile_id}"]
    assert "post" in paths["/brokers/me/photo"]
