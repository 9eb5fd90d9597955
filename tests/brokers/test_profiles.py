"""Broker profiles through the services: the level rules and the filing number, who may keep
a profile, filing and changing it (what sends it back to the bureau and what does not), and
the audit trail and notifications of each step."""
from datetime import date, timedelta

import pytest
from broker_helpers import (
    COMMENT,
    api_body,
    filing_number,
    get_profile,
    history,
    make_broker,
    notifications,
    officer,
    profile_data,
    run,
    save,
    status_of,
)

from marketplace.brokers import services
from marketplace.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import make_member, make_user

FILING_REQUIRED = "Intermediate and senior brokers give their national filing number."
FILING_TAKEN = "Another broker’s profile already has this filing number."


def a_broker(app, employer=True):
    with app.app_context():
        return make_member("broker") if employer else make_user("broker")


def refusal(app, user, **changes):
    """The field messages (English msgids) of saving a profile with `changes`."""
    with pytest.raises(ValidationFailed) as caught:
        run(app, services.save_profile, user, profile_data(**changes))
    return {name: [str(m) for m in messages] for name, messages in caught.value.fields.items()}


# --- levels and the filing number --------------------------------------------------------------

@pytest.mark.parametrize("level", ["intermediate", "senior"])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_intermediate_and_senior_brokers_need_the_filing_number(app, level, blank):
    assert refusal(app, a_broker(app), level=level, filing_number=blank) == {
        "filing_number": [FILING_REQUIRED]}


def test_a_junior_broker_needs_no_filing_number(app):
    user = a_broker(app)
    profile_id, created = save(app, user,
                           profile_data(level="junior", filing_number=""))
    assert created
    assert get_profile(app, profile_id).filing_number is None


@pytest.mark.parametrize("level", ["junior", "intermediate", "senior"])
def test_every_level_keeps_the_filing_number_it_gives(app, level):
    number = filing_number()
    profile_id, _ = save(app, a_broker(app),
                     profile_data(level=level, filing_number=f"  {number} "))
    stored = get_profile(app, profile_id)
    assert (stored.level, stored.filing_number) == (level, number)


@pytest.mark.parametrize("number, message", [
    ("JJR 2026 001", "A filing number has only letters, digits and hyphens."),
    ("JJR/2026/001", "A filing number has only letters, digits and hyphens."),
    ("备案-001", "A filing number has only letters, digits and hyphens."),
    ("A" * 41, "At most 40 characters."),
])
def test_a_filing_number_is_letters_digits_and_hyphens_up_to_40(app, number, message):
    assert refusal(app, a_broker(app), filing_number=number) == {"filing_number": [message]}


def test_forty_characters_are_enough(app):
    number = "JJR-" + "9" * 36
    profile_id, _ = save(app, a_broker(app),
                     profile_data(filing_number=number))
    assert get_profile(app, profile_id).filing_number == number


@pytest.mark.parametrize("status", ["pending", "verified", "rejected", "cancelled"])
def test_a_filing_number_is_unique_across_profiles_in_any_state(app, status):
    number = filing_number()
    make_broker(app, level="senior", status=status, filing_number=number)
    assert refusal(app, a_broker(app), filing_number=number) == {
        "filing_number": [FILING_TAKEN]}
    assert refusal(app, a_broker(app), filing_number=number.lower()) == {
        "filing_number": [FILING_TAKEN]}


def test_a_profile_keeps_its_own_filing_number_when_changed(app):
    broker = make_broker(app, level="senior", status="pending")
    number = get_profile(app, broker.profile_id).filing_number
    profile_id, created = save(app, broker.user,
                           profile_data(level="senior", filing_number=number, bio="新的介绍。"))
    assert not created
    assert get_profile(app, broker.profile_id).bio == "新的介绍。"


# --- who keeps a profile -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["enterprise", "institute", "bureau", "admin"])
def test_only_brokers_keep_a_profile(app, role):
    with app.app_context():
        user = make_member(role) if role in ("enterprise", "institute") else make_user(role)
    with pytest.raises(PermissionDenied) as caught:
        run(app, services.save_profile, user, profile_data())
    assert str(caught.value.message) == "Only technology brokers keep a broker profile."


def test_a_broker_without_employer_files_a_profile(app):
    user = a_broker(app, employer=False)
    profile_id, _ = save(app, user, profile_data())
    assert get_profile(app, profile_id).user_id == user.id


# --- filing ------------------------------------------------------------------------------------

def test_filing_makes_a_pending_profile_audited_and_announced_to_the_bureau(app, clock):
    bureau = officer(app)
    user = a_broker(app)
    profile_id, created = save(app, user, profile_data())
    stored = get_profile(app, profile_id)
    assert created and str(stored.status) == "pending"
    assert stored.submitted_at == stored.created_at == clock.now()
    assert (stored.real_name, stored.fields, stored.regions, stored.services) == (
        "张建国", ["coal", "environment"], ["141102", "141181", "140000"],
        ["matching", "contract"])
    assert stored.years_of_practice == 8 and str(stored.certificate_date) == "2024-06-10"
    assert history(app, profile_id) == [("create", None, "pending", user.id, None)]
    assert notifications(app, bureau) == [(
        "A broker profile awaits verification: %(name)s", {"name": "张建国"},
        f"/bureau/brokers/{profile_id}")]


def test_a_broker_has_one_profile_and_saving_again_changes_it(app):
    user = a_broker(app)
    first_id, _ = save(app, user, profile_data())
    second_id, created = save(app, user, profile_data(real_name="张建民"))
    assert (second_id, created) == (first_id, False)
    assert get_profile(app, first_id).real_name == "张建民"


def test_values_are_cleaned(app):
    profile_id, _ = save(app, a_broker(app), profile_data(
        real_name="  张建国 ", fields=["coal", "coal", "power"], professional_title=" ",
        contact_email="Zhang@Example.CN", bio="  介绍  ", years_of_practice="12"))
    stored = get_profile(app, profile_id)
    assert (stored.real_name, stored.fields, stored.professional_title, stored.bio,
            stored.years_of_practice) == ("张建国", ["coal", "power"], None, "介绍", 12)
    assert stored.contact_email == "Zhang@example.cn"


# --- changing a profile ------------------------------------------------------------------------

QUALIFICATION_CHANGES = [
    {"real_name": "张建民"},
    {"level": "senior"},
    {"filing_number": "JJR-NEW-0001"},
    {"certificate_number": "JSJJ-2025-0001"},
    {"certificate_issuer": "吕梁市科学技术局"},
    {"certificate_date": "2025-01-02"},
]


def verified_intermediate(app):
    broker = make_broker(app, level="intermediate")
    number = get_profile(app, broker.profile_id).filing_number
    return broker, number


@pytest.mark.parametrize("change", QUALIFICATION_CHANGES, ids=lambda c: next(iter(c)))
def test_changing_the_qualification_sends_a_verified_profile_back(app, clock, change):
    broker, number = verified_intermediate(app)
    bureau = officer(app)
    clock.advance(days=3)
    save(app, broker.user, profile_data(**{"level": "intermediate", "filing_number": number,
                                           **change}))
    stored = get_profile(app, broker.profile_id)
    assert str(stored.status) == "pending"
    assert stored.submitted_at == clock.now()
    action, from_state, to_state, actor, _ = history(app, broker.profile_id)[-1]
    assert (action, from_state, to_state, actor) == ("resubmit", "verified", "pending",
                                                     broker.user_id)
    assert notifications(app, bureau)[-1][0] == "A broker profile awaits verification: %(name)s"


@pytest.mark.parametrize("change", [
    {"bio": "新的介绍。"}, {"fields": ["power"]}, {"regions": ["141124"]},
    {"services": ["ip"]}, {"years_of_practice": 9}, {"professional_title": "研究员"},
    {"contact_phone": "13800000000"}, {"contact_email": "new@example.cn"},
], ids=lambda c: next(iter(c)))
def test_other_changes_keep_a_verified_profile_listed(app, change):
    broker, number = verified_intermediate(app)
    run(app, services.save_profile, broker.user,
        profile_data(level="intermediate", filing_number=number, **change))
    assert status_of(app, broker.profile_id) == "verified"
    name = next(iter(change))
    assert history(app, broker.profile_id)[-1][:3] == ("edit", None, None)
    with app.app_context():
        from marketplace import audit
        assert audit.history("broker", broker.profile_id)[-1].data == {"fields": [name]}


def test_saving_nothing_new_records_nothing(app):
    broker, number = verified_intermediate(app)
    before = history(app, broker.profile_id)
    run(app, services.save_profile, broker.user,
        profile_data(level="intermediate", filing_number=number))
    assert history(app, broker.profile_id) == before


def test_changing_a_rejected_profile_files_it_again(app, clock):
    broker = make_broker(app, status="rejected")
    clock.advance(days=1)
    run(app, services.save_profile, broker.user, profile_data(level="junior",
                                                              filing_number=None))
    stored = get_profile(app, broker.profile_id)
    assert (str(stored.status), stored.submitted_at) == ("pending", clock.now())
    assert stored.review_comment == COMMENT  # the bureau's last word stays readable
    assert history(app, broker.profile_id)[-1][:3] == ("resubmit", "rejected", "pending")


def test_changing_a_pending_profile_keeps_it_pending(app):
    broker = make_broker(app, status="pending")
    run(app, services.save_profile, broker.user,
        profile_data(level="junior", filing_number=None, real_name="张建民"))
    assert status_of(app, broker.profile_id) == "pending"
    assert history(app, broker.profile_id)[-1][:3] == ("edit", None, None)


def test_a_suspended_profile_keeps_its_qualification(app):
    broker = make_broker(app, status="suspended")
    with pytest.raises(Conflict):
        run(app, services.save_profile, broker.user,
            profile_data(level="junior", filing_number=None, real_name="张建民"))
    assert get_profile(app, broker.profile_id).real_name == "张建国"
    run(app, services.save_profile, broker.user,
        profile_data(level="junior", filing_number=None, bio="暂停期间更新介绍。"))
    stored = get_profile(app, broker.profile_id)
    assert (str(stored.status), stored.bio) == ("suspended", "暂停期间更新介绍。")


def test_a_cancelled_profile_cannot_be_changed(app):
    broker = make_broker(app, status="cancelled")
    with pytest.raises(Conflict) as caught:
        run(app, services.save_profile, broker.user, profile_data(level="junior"))
    assert str(caught.value.message) == ("Your broker profile is cancelled; it can no longer "
                                         "be changed.")


def test_a_stale_version_is_a_conflict(app):
    broker, number = verified_intermediate(app)
    version = get_profile(app, broker.profile_id).version
    with pytest.raises(Conflict):
        run(app, services.save_profile, broker.user,
            profile_data(level="intermediate", filing_number=number, bio="改"),
            expected_version=version - 1)
    run(app, services.save_profile, broker.user,
        profile_data(level="intermediate", filing_number=number, bio="改"),
        expected_version=version)
    assert get_profile(app, broker.profile_id).bio == "改"


def test_the_certificate_date_may_be_today_but_not_tomorrow(app):
    today = date(2026, 7, 1)  # the market's day (DEFAULT_MOMENT in Lüliang)
    profile_id, _ = save(app, a_broker(app),
                     profile_data(certificate_date=today.isoformat()))
    assert get_profile(app, profile_id).certificate_date == today
    assert refusal(app, a_broker(app),
                   certificate_date=(today + timedelta(days=1)).isoformat()) == {
        "certificate_date": ["The certificate’s date cannot be in the future."]}


def test_api_body_is_a_valid_profile(app):
    """The helpers' body passes every rule (the validation tests change one thing at a
    time)."""
    data = profile_data()
    with app.app_context():
        services.validate(data)
    assert data.real_name == api_body()["real_name"]
