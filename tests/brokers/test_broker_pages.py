"""The broker pages: the public directory and profile (who sees what), the photo, the broker's
own page (filing, correcting, cancelling) and the bureau's queue and review page."""
import io
import re

import pytest
from broker_helpers import (
    COMMENT,
    flashes,
    form_data,
    get_profile,
    history,
    make_broker,
    officer,
    page_client,
    status_of,
)

from marketplace.brokers import views
from tests.factories import JPEG, PDF, PNG, make_member, make_user
from tests.pages import element_text, field_errors, form_fields, input_value, text


def a_user(app, role):
    with app.app_context():
        return make_member(role) if role in ("enterprise", "institute", "broker") \
            else make_user(role)


def checked(html, name):
    """The values of the checked boxes named `name`, in page order."""
    return re.findall(rf'<input checked[^>]* name="{name}" type="checkbox" value="([^"]*)"',
                      html)


def html_of(response):
    return response.get_data(as_text=True)


# --- the directory -------------------------------------------------------------------------------

def test_the_directory_lists_verified_brokers_only(app, client):
    listed = make_broker(app, real_name="王丽")
    hidden = {state: make_broker(app, status=state, real_name=f"未公开{state}")
              for state in ("pending", "rejected", "suspended", "cancelled")}
    html = html_of(client.get("/brokers?lang=en"))
    assert element_text(html, f"broker-{listed.profile_id}-name") == "王丽"
    assert "未公开" not in html
    assert all(f"broker-{b.profile_id}" not in html for b in hidden.values())
    assert "1 broker" in html


def test_the_directory_searches_the_employer_and_title(app, client):
    with app.app_context():
        from tests.factories import make_org

        org = make_org(kind="intermediary", name="吕梁市技术转移中心")
        employed = make_user("broker", org=org)
    by_employer = make_broker(app, user=employed, real_name="甲")
    by_title = make_broker(app, real_name="乙", professional_title="知识产权师")
    make_broker(app, real_name="丙")
    for query, found in (("转移中心", by_employer), ("知识产权", by_title)):
        html = html_of(client.get(f"/brokers?q={query}"))
        assert f"broker-{found.profile_id}-name" in html
        assert html.count('class="card broker-card') == 1


def test_the_directory_filters_keep_their_values_and_reset(app, client):
    make_broker(app, level="senior", fields=["nev"])
    html = html_of(client.get("/brokers?lang=en&level=junior&field=nev&region=141124"))
    assert "No broker matches these filters." in html
    chosen = form_fields(html, "/brokers")
    assert (chosen["level"], chosen["field"], chosen["region"]) == ("junior", "nev", "141124")
    assert "Reset" in html


def test_the_directory_pages(app, client, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    for name in ("甲", "乙", "丙"):
        make_broker(app, real_name=name)
    first = html_of(client.get("/brokers?lang=en"))
    second = html_of(client.get("/brokers?lang=en&page=2"))
    assert first.count('class="card broker-card') == 2
    assert second.count('class="card broker-card') == 1
    assert "Page 2 of 2 (3 in all)" in second


def test_an_empty_directory_says_so(client):
    assert "No broker is verified yet." in html_of(client.get("/brokers?lang=en"))


# --- a profile ----------------------------------------------------------------------------------

def test_a_verified_profile_is_public(app, client):
    broker = make_broker(app, level="senior")
    html = html_of(client.get(f"/brokers/{broker.profile_id}?lang=en"))
    assert element_text(html, "broker-name") == "张建国"
    assert element_text(html, "broker-level") == ("Senior technology manager "
                                                  "(高级技术经理人)")
    assert element_text(html, "broker-filing") == get_profile(app, broker.profile_id) \
        .filing_number
    assert "Coal and coal-bed methane" in element_text(html, "expertise")
    assert "Contract drafting and certification" in element_text(html, "expertise")
    assert element_text(html, "broker-bio").startswith("十年煤层气")
    assert "not-public" not in html


@pytest.mark.parametrize("state", ["pending", "rejected", "suspended", "cancelled"])
def test_an_unverified_profile_is_404_but_to_the_broker_and_officers(app, state):
    broker = make_broker(app, status=state)
    url = f"/brokers/{broker.profile_id}?lang=en"
    for user in (None, a_user(app, "broker"), a_user(app, "enterprise"),
                 a_user(app, "institute")):
        assert page_client(app, user).get(url).status_code == 404
    for user in (broker.user, officer(app), a_user(app, "admin")):
        response = page_client(app, user).get(url)
        assert response.status_code == 200
        assert "only verified brokers are listed" in element_text(html_of(response),
                                                                   "not-public")


def test_no_such_profile_is_404(client):
    assert client.get("/brokers/999").status_code == 404


def test_the_contact_is_shown_to_logged_in_users_only(app):
    broker = make_broker(app)
    url = f"/brokers/{broker.profile_id}?lang=en"
    visitor = html_of(page_client(app, None).get(url))
    assert "0358-8221234" not in visitor and "zhang@example.cn" not in visitor
    assert "The contact is shown to logged-in users." in element_text(visitor,
                                                                      "broker-contact")
    member = html_of(page_client(app, a_user(app, "enterprise")).get(url))
    assert element_text(member, "broker-phone") == "0358-8221234"
    assert element_text(member, "broker-email") == "zhang@example.cn"


def test_the_credit_history_is_linked_when_the_credit_pages_have_it(app, client):
    broker = make_broker(app)
    html = html_of(client.get(f"/brokers/{broker.profile_id}?lang=en"))
    if "credit.broker" in app.view_functions:
        assert f'href="/credit/brokers/{broker.user_id}"' in html
    else:
        assert "Credit history" not in html


# --- the photo -------------------------------------------------------------------------------

def test_a_verified_brokers_photo_is_public(app):
    broker = make_broker(app, photo=(PNG, "me.png"))
    profile = get_profile(app, broker.profile_id)
    html = html_of(page_client(app, None).get(f"/brokers/{broker.profile_id}?lang=en"))
    assert f'src="/brokers/{broker.profile_id}/photo"' in html
    photo = page_client(app, None).get(f"/brokers/{broker.profile_id}/photo")
    assert (photo.status_code, photo.mimetype, photo.data) == (200, "image/png", PNG)
    # Through the files view too (it is for logged-in users), by the access rule.
    stranger = page_client(app, a_user(app, "enterprise"))
    assert stranger.get(f"/files/{profile.photo_id}").status_code == 200


def test_an_unverified_brokers_photo_is_the_brokers_and_the_officers(app):
    broker = make_broker(app, status="pending", photo=(JPEG, "me.jpg"))
    profile = get_profile(app, broker.profile_id)
    for user in (None, a_user(app, "enterprise"), a_user(app, "broker")):
        client = page_client(app, user)
        assert client.get(f"/brokers/{broker.profile_id}/photo").status_code == 404
        if user is not None:
            assert client.get(f"/files/{profile.photo_id}").status_code == 404
    for user in (broker.user, officer(app)):
        client = page_client(app, user)
        assert client.get(f"/brokers/{broker.profile_id}/photo").status_code == 200
        assert client.get(f"/files/{profile.photo_id}").status_code == 200


def test_a_replaced_photo_is_no_longer_public(app):
    broker = make_broker(app, photo=(PNG, "old.png"))
    old = get_profile(app, broker.profile_id).photo_id
    client = page_client(app, broker.user)
    response = client.post("/brokers/me", data={**form_data(level="junior", filing_number=""),
                                                "photo": (io.BytesIO(JPEG), "new.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert get_profile(app, broker.profile_id).photo_id != old
    stranger = page_client(app, a_user(app, "enterprise"))
    assert stranger.get(f"/files/{old}").status_code == 404
    assert page_client(app, None).get(f"/brokers/{broker.profile_id}/photo").data == JPEG


def test_a_profile_without_photo_has_none(app, client):
    broker = make_broker(app)
    assert client.get(f"/brokers/{broker.profile_id}/photo").status_code == 404


# --- my profile ---------------------------------------------------------------------------------

def test_my_profile_is_for_brokers(app):
    assert page_client(app, None).get("/brokers/me").status_code == 302  # to the login page
    for role in ("enterprise", "institute", "bureau", "admin"):
        client = page_client(app, a_user(app, role))
        assert client.get("/brokers/me").status_code == 403
        assert client.post("/brokers/me", data=form_data()).status_code == 403
        assert client.post("/brokers/me/cancel").status_code == 403


def test_a_broker_files_its_profile_on_the_page(app):
    user = a_user(app, "broker")
    client = page_client(app, user)
    html = html_of(client.get("/brokers/me?lang=en"))
    assert "File your profile as a technology broker." in element_text(html, "profile-intro")
    assert "cancel-form" not in html and "history-heading" not in html
    data = form_data(fields=["coal", "power"])
    response = client.post("/brokers/me?lang=en", data=data)
    assert response.status_code == 302
    assert flashes(client) == [("success", "Your profile is filed. The science bureau "
                                           "verifies it; it is listed in the directory once "
                                           "verified.")]
    html = html_of(client.get("/brokers/me?lang=en"))
    assert element_text(html, "profile-status") == "Awaiting verification"
    assert input_value(html, "real_name") == "张建国"
    fields = form_fields(html, "/brokers/me")
    assert fields["level"] == "intermediate" and fields["years_of_practice"] == "8"
    assert checked(html, "fields") == ["coal", "power"]
    assert "profile filed" in html  # the history


def test_the_form_shows_each_message_beside_its_field_and_keeps_the_values(app):
    client = page_client(app, a_user(app, "broker"))
    response = client.post("/brokers/me?lang=en", data=form_data(
        real_name="", filing_number="JJR 01", certificate_date="2024-02-30",
        fields=[], regions=["141124"], years_of_practice="八", contact_email="nobody",
        bio="保留的介绍"))
    assert response.status_code == 422
    html = html_of(response)
    assert field_errors(html, "real_name") == "This field is required."
    assert field_errors(html, "filing_number") == ("A filing number has only letters, digits "
                                                   "and hyphens.")
    assert field_errors(html, "certificate_date") == "Enter a date such as 2024-06-10."
    assert field_errors(html, "fields") == "Choose at least one field of expertise."
    assert field_errors(html, "years_of_practice") == ("Enter a whole number of years from 0 "
                                                       "to 60.")
    assert field_errors(html, "contact_email") == "Enter a valid e-mail address."
    assert input_value(html, "filing_number") == "JJR 01"
    assert checked(html, "regions") == ["141124"] and "保留的介绍" in html
    assert a_profile_count(app) == 0


def a_profile_count(app):
    from marketplace.brokers.models import BrokerProfile
    from marketplace.extensions import db

    with app.app_context():
        return db.session.query(BrokerProfile).count()


def test_a_pdf_is_not_a_photo(app):
    broker = make_broker(app)
    client = page_client(app, broker.user)
    response = client.post("/brokers/me?lang=en",
                           data={**form_data(level="junior", filing_number=""),
                                 "photo": (io.BytesIO(PDF), "me.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_errors(html_of(response), "photo") == "The photo must be a PNG or JPEG image."
    assert get_profile(app, broker.profile_id).photo_id is None


def test_a_verified_broker_is_warned_and_sent_back_when_changing_its_qualification(app):
    broker = make_broker(app, level="intermediate")
    number = get_profile(app, broker.profile_id).filing_number
    client = page_client(app, broker.user)
    html = html_of(client.get("/brokers/me?lang=en"))
    assert "it leaves the public directory until verified again" in text(
        element_text(html, "requalify-note"))
    assert "See your public profile" in element_text(html, "profile-state")
    posted = form_fields(html, "/brokers/me")
    assert posted["filing_number"] == number
    posted.update(real_name="张建民", fields=["coal"], regions=["141102"])
    assert client.post("/brokers/me?lang=en", data=posted).status_code == 302
    assert flashes(client)[0][1].startswith("Changes saved. The science bureau verifies")
    assert status_of(app, broker.profile_id) == "pending"
    assert page_client(app, None).get(f"/brokers/{broker.profile_id}").status_code == 404


def test_a_rejected_broker_reads_why_and_files_again(app):
    broker = make_broker(app, status="rejected")
    client = page_client(app, broker.user)
    html = html_of(client.get("/brokers/me?lang=en"))
    assert element_text(html, "review-comment") == COMMENT
    posted = form_fields(html, "/brokers/me")
    posted.update(certificate_number="JSJJ-2024-0999", fields=["coal"], regions=["141102"])
    assert client.post("/brokers/me", data=posted).status_code == 302
    assert status_of(app, broker.profile_id) == "pending"
    assert history(app, broker.profile_id)[-1][:3] == ("resubmit", "rejected", "pending")


def test_a_stale_form_is_refused_with_a_warning(app):
    broker = make_broker(app)
    client = page_client(app, broker.user)
    posted = form_fields(html_of(client.get("/brokers/me")), "/brokers/me")
    posted.update(fields=["coal"], regions=["141102"], bio="过期的表单")
    from broker_helpers import profile_data, save

    save(app, broker.user, profile_data(level="junior", filing_number=None, bio="别处修改"))
    assert client.post("/brokers/me?lang=en", data=posted).status_code == 302
    assert flashes(client)[0][0] == "warning"
    assert get_profile(app, broker.profile_id).bio == "别处修改"


def test_a_broker_cancels_its_profile(app):
    broker = make_broker(app)
    client = page_client(app, broker.user)
    html = html_of(client.get("/brokers/me?lang=en"))
    posted = form_fields(html, "/brokers/me/cancel")
    assert posted["cancel-version"] == str(get_profile(app, broker.profile_id).version)
    posted["cancel-comment"] = "转行。"
    assert client.post("/brokers/me/cancel?lang=en", data=posted).status_code == 302
    assert flashes(client) == [("success", "Your broker profile is cancelled.")]
    assert history(app, broker.profile_id)[-1] == ("cancel", "verified", "cancelled",
                                                   broker.user_id, "转行。")
    html = html_of(client.get("/brokers/me?lang=en"))
    assert "Your profile is cancelled" in element_text(html, "profile-state")
    assert "profile-form" not in html and "cancel-form" not in html
    # A second try (an old tab) is a warning, not an error page.
    assert client.post("/brokers/me/cancel", data=posted).status_code == 302
    assert flashes(client)[0][0] == "warning"


def test_cancelling_without_a_profile_is_404(app):
    client = page_client(app, a_user(app, "broker"))
    assert client.post("/brokers/me/cancel").status_code == 404


def test_forms_need_the_csrf_token(csrf_app):
    broker = make_broker(csrf_app)
    client = page_client(csrf_app, broker.user)
    assert client.post("/brokers/me", data=form_data()).status_code == 400
    assert client.post("/brokers/me/cancel").status_code == 400
    assert status_of(csrf_app, broker.profile_id) == "verified"


# --- the bureau ---------------------------------------------------------------------------------

def test_the_queue_lists_pending_profiles_the_longest_waiting_first(app, clock):
    old = make_broker(app, status="pending", real_name="早")
    clock.advance(days=3)
    new = make_broker(app, status="pending", real_name="晚")
    make_broker(app, real_name="已认证")
    html = html_of(page_client(app, officer(app)).get("/bureau/brokers?lang=en"))
    rows = element_text(html, "broker-queue")
    assert rows.index("早") < rows.index("晚") and "已认证" not in rows
    assert "3 days" in element_text(html, f"queue-{old.profile_id}")
    assert "0 days" in element_text(html, f"queue-{new.profile_id}")
    assert "Awaiting verification 2" in element_text(html, "queue-tabs")
    assert "Verified 1" in element_text(html, "queue-tabs")


@pytest.mark.parametrize("tab", ["verified", "suspended", "rejected", "cancelled"])
def test_the_queue_tabs_list_each_state(app, tab):
    shown = make_broker(app, status=tab, real_name="此状态")
    make_broker(app, status="pending", real_name="待认证")
    html = html_of(page_client(app, officer(app)).get(f"/bureau/brokers?tab={tab}"))
    rows = element_text(html, "broker-queue")
    assert "此状态" in rows and "待认证" not in rows
    assert f"queue-{shown.profile_id}" in html


def test_the_bureau_pages_are_for_officers(app):
    broker = make_broker(app, status="pending")
    for role in ("broker", "enterprise", "institute"):
        client = page_client(app, a_user(app, role))
        assert client.get("/bureau/brokers").status_code == 403
        assert client.get(f"/bureau/brokers/{broker.profile_id}").status_code == 403
    assert page_client(app, None).get("/bureau/brokers").status_code == 302
    admin = page_client(app, a_user(app, "admin"))
    assert admin.get("/bureau/brokers").status_code == 200


def test_the_bureau_verifies_on_the_review_page(app):
    broker = make_broker(app, status="pending")
    bureau = officer(app)
    client = page_client(app, bureau)
    html = html_of(client.get(f"/bureau/brokers/{broker.profile_id}?lang=en"))
    assert "profile filed" in html  # the history
    posted = form_fields(html, f"/bureau/brokers/{broker.profile_id}")
    assert posted["decision"] == "verify"
    assert 'value="reject"' in html and 'value="cancel"' in html and 'value="suspend"' not in html
    response = client.post(f"/bureau/brokers/{broker.profile_id}?lang=en", data=posted)
    assert response.status_code == 302 and response.location.endswith("/bureau/brokers")
    assert flashes(client) == [("success", "Decision recorded for 张建国.")]
    assert status_of(app, broker.profile_id) == "verified"
    html = html_of(client.get(f"/bureau/brokers/{broker.profile_id}?lang=en"))
    assert 'value="suspend"' in html and 'value="verify"' not in html


def test_rejecting_without_a_comment_shows_the_message_beside_it(app):
    broker = make_broker(app, status="pending")
    client = page_client(app, officer(app))
    posted = form_fields(html_of(client.get(f"/bureau/brokers/{broker.profile_id}")),
                         f"/bureau/brokers/{broker.profile_id}")
    posted.update(decision="reject", comment="")
    response = client.post(f"/bureau/brokers/{broker.profile_id}?lang=en", data=posted)
    assert response.status_code == 422
    assert field_errors(html_of(response), "comment") == "Say why; the broker will see it."
    assert form_fields(html_of(response), f"/bureau/brokers/{broker.profile_id}")[
        "decision"] == "reject"
    assert status_of(app, broker.profile_id) == "pending"


def test_the_admin_sees_the_review_page_but_does_not_decide(app):
    broker = make_broker(app, status="pending")
    client = page_client(app, a_user(app, "admin"))
    html = html_of(client.get(f"/bureau/brokers/{broker.profile_id}?lang=en"))
    assert "decision-form" not in html
    assert element_text(html, "no-decision") == ("Only science bureau officers decide on "
                                                 "broker profiles.")
    response = client.post(f"/bureau/brokers/{broker.profile_id}",
                           data={"decision": "verify", "comment": ""})
    assert response.status_code == 403
    assert status_of(app, broker.profile_id) == "pending"


def test_a_decision_on_a_changed_profile_is_a_warning(app):
    broker = make_broker(app, status="pending")
    client = page_client(app, officer(app))
    posted = form_fields(html_of(client.get(f"/bureau/brokers/{broker.profile_id}")),
                         f"/bureau/brokers/{broker.profile_id}")
    from broker_helpers import profile_data, save

    save(app, broker.user, profile_data(level="junior", filing_number=None, bio="刚改过"))
    response = client.post(f"/bureau/brokers/{broker.profile_id}", data=posted)
    assert response.status_code == 302
    assert flashes(client)[0][0] == "warning"
    assert status_of(app, broker.profile_id) == "pending"


def test_the_pages_render_in_chinese(app):
    broker = make_broker(app)
    for user, url in ((None, "/brokers"), (None, f"/brokers/{broker.profile_id}"),
                      (broker.user, "/brokers/me"), (officer(app), "/bureau/brokers"),
                      (officer(app), f"/bureau/brokers/{broker.profile_id}")):
        response = page_client(app, user).get(url + "?lang=zh")
        assert response.status_code == 200
        assert '<html lang="zh' in html_of(response)
