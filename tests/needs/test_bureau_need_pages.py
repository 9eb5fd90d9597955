"""The bureau's need pages: who may open them, the review queue (oldest first, with its age)
and the published needs (deadline, responses), the review page, and each decision taken
through it: publish, return with the comment it needs beside its field, a stale page, a
deadline that has come."""
import re

import pytest
from achievement_helpers import flashes

from marketplace.accounts.models import Organization, OrgStatus
from marketplace.extensions import db
from marketplace.needs import services
from tests.pages import element_text, field_errors, input_value, text

COMMENT = "请补充技术指标与预算依据。"


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return text(response.get_data(as_text=True))


def flat(html):
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def people(market):
    return {"owner": market.user("enterprise"), "enterprise": market.user("enterprise"),
            "institute": market.user("institute"), "broker": market.user("broker"),
            "bureau": market.bureau(), "admin": market.user("admin"), "visitor": None}


# role -> the answer to a page of the bureau
PAGE_ANSWERS = {"owner": 403, "enterprise": 403, "institute": 403, "broker": 403,
                "bureau": 200, "admin": 200, "visitor": "login"}


def expect(response, answer):
    if answer == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == answer


# --- who may open what -----------------------------------------------------------------------

@pytest.mark.parametrize("role", list(PAGE_ANSWERS))
def test_the_bureau_need_pages_are_for_officers(market, people, role):
    pending = market.need(people["owner"], "pending_review")
    published = market.need(people["owner"], "published")
    client = market.page_client(people[role])
    for url in ("/bureau/needs", "/bureau/needs?tab=published", f"/bureau/needs/{pending}",
                f"/bureau/needs/{published}"):
        expect(client.get(url), PAGE_ANSWERS[role])
    if PAGE_ANSWERS[role] == 200:
        assert client.get("/bureau/needs/999999").status_code == 404


@pytest.mark.parametrize("role", ["owner", "enterprise", "institute", "broker", "visitor"])
def test_no_decision_is_taken_by_others(market, people, role):
    need_id = market.need(people["owner"], "pending_review")
    client = market.page_client(people[role])
    for decision, comment in (("publish", ""), ("return", COMMENT)):
        expect(client.post(f"/bureau/needs/{need_id}",
                           data={"decision": decision, "comment": comment}),
               "login" if role == "visitor" else 403)
    assert market.need_status(need_id) == "pending_review"
    assert [e[0] for e in market.need_history(need_id)] == ["create", "submit"]


def test_the_admin_looks_but_does_not_decide(market, people):
    need_id = market.need(people["owner"], "pending_review")
    admin = market.page_client(people["admin"])
    html = page(admin, f"/bureau/needs/{need_id}?lang=en")
    assert "Only science bureau officers decide on needs." in html
    assert "Record the decision" not in html and 'name="decision"' not in html
    assert admin.post(f"/bureau/needs/{need_id}",
                      data={"decision": "publish", "comment": ""}).status_code == 403
    assert market.need_status(need_id) == "pending_review"


# --- the queue -------------------------------------------------------------------------------

def test_the_queue_lists_submissions_oldest_first_with_their_age(market, people, clock):
    owner = people["owner"]
    first = market.need(owner, "pending_review", title="矿井乏风瓦斯氧化利用技术")
    clock.advance(days=3)
    second = market.need(owner, "pending_review", title="矸石充填开采工艺", field="environment",
                         budget_min=None, budget_max="800000.00")
    clock.advance(days=1)
    market.need(owner, "draft", title="草稿需求")  # not submitted: not in the queue
    market.need(owner, "published", title="已发布需求")  # published: the other tab
    html = page(market.page_client(people["bureau"]), "/bureau/needs?lang=en")
    assert re.findall(r'id="queue-(\d+)"', html) == [str(first), str(second)]
    row = element_text(html, f"queue-{first}")
    assert "4 days" in row and "矿井乏风瓦斯氧化利用技术" in row
    assert "Coal and coal-bed methane" in row and "¥500,000.00 to ¥2,000,000.00" in row
    assert "Sep 30, 2026" in row
    row = element_text(html, f"queue-{second}")
    assert "1 day" in row and "Up to ¥800,000.00" in row
    assert "Energy saving and environment" in row
    assert "2 needs await a decision." in flat(html)
    assert f'href="/bureau/needs/{first}"' in html
    assert "草稿需求" not in html and "已发布需求" not in html


def test_the_published_tab_shows_deadlines_and_responses(market, people):
    owner, institute, broker = people["owner"], people["institute"], people["broker"]
    later = market.need(owner, "published", title="晚截止需求")
    sooner = market.need(owner, "published", title="早截止需求", deadline="2026-08-15")
    market.respond(later, institute)
    listing_id = market.listing(market.user("institute"), "announced",
                                seller_broker_id=broker.id, seller_broker_commission="20000")
    market.respond(later, broker, listing_id=listing_id)
    pending = market.need(owner, "pending_review", title="待审需求")
    client = market.page_client(people["bureau"])
    html = page(client, "/bureau/needs?tab=published&lang=en")
    assert re.findall(r'id="published-(\d+)"', html) == [str(sooner), str(later)]
    assert str(pending) not in re.findall(r'id="published-(\d+)"', html)
    row = element_text(html, f"published-{later}")
    assert "Sep 30, 2026" in row and "91 days left" in row
    assert element_text(html, f"published-{later}").endswith("2 2 open Open 晚截止需求")
    assert "Aug 15, 2026" in element_text(html, f"published-{sooner}")
    assert re.search(rf'id="published-{sooner}".*?<td class="text-end need-responses">\s*0\s*'
                     r"</td>", html, re.S)
    assert "Published needs 2" in flat(html) and "Awaiting review 1" in flat(html)


def test_the_published_tab_closes_needs_past_their_deadline_first(market, people, clock):
    need_id = market.need(people["owner"], "published", deadline="2026-08-15")
    clock.set("2026-08-16T02:00:00+00:00")
    html = page(market.page_client(people["bureau"]), "/bureau/needs?tab=published&lang=en")
    assert re.findall(r'id="published-(\d+)"', html) == []
    assert "No need is published." in html
    assert market.need_status(need_id) == "closed:expired"


# --- the review page -------------------------------------------------------------------------

def test_the_review_page_shows_everything_needed_to_decide(market, people):
    need_id = market.need(people["owner"], "pending_review")
    record = market.get_need(need_id)
    html = page(market.page_client(people["bureau"]), f"/bureau/needs/{need_id}?lang=en")
    details = element_text(html, "need-details")
    for fact in ("我矿抽采瓦斯浓度在 8%–15% 之间", "Coal and coal-bed methane",
                 "瓦斯", "煤层气", "瓦斯利用率不低于 80%", "¥500,000.00 to ¥2,000,000.00",
                 "Commissioned development", "Ordinary licence", "Sep 30, 2026"):
        assert fact in details, fact
    assert "Verified by the science bureau" in element_text(html, "enterprise-verified")
    assert f'href="/bureau/organizations/{record.org_id}"' in html
    assert 'name="decision"' in html and 'name="comment"' in html
    assert input_value(html, "version") == str(record.version)
    assert "No one has responded to this need." in html
    history = html[html.index('id="history-heading"'):]
    assert "created" in history and "submitted for review" in history
    assert "The need’s public page" not in html  # not published yet


def test_the_review_page_of_a_published_need_shows_its_responses(market, people):
    owner, institute = people["owner"], people["institute"]
    need_id = market.need(owner, "published")
    achievement_id = market.registered(institute, title="低浓度瓦斯提纯发电技术")
    market.respond(need_id, institute, "我所可提供低浓度瓦斯提纯与发电成套技术。",
                   achievement_id=achievement_id)
    html = page(market.page_client(people["bureau"]), f"/bureau/needs/{need_id}?lang=en")
    responses = element_text(html, "responses")
    assert "我所可提供低浓度瓦斯提纯与发电成套技术。" in responses
    assert "Submitted" in responses and institute.username in responses
    assert "低浓度瓦斯提纯发电技术" in responses
    assert f'href="/achievements/{achievement_id}"' in html
    assert element_text(html, "responses-heading").endswith("1")
    assert "The need is published; responses are open until its deadline." in html
    assert 'name="decision"' not in html  # nothing to decide: read-only
    assert f'href="/needs/{need_id}"' in html


def test_a_declined_response_shows_its_reason(market, people):
    owner, institute = people["owner"], people["institute"]
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, institute)
    market.run(services.decline_response, response_id, owner, "price", "报价超出预算。")
    html = page(market.page_client(people["bureau"]), f"/bureau/needs/{need_id}?lang=en")
    responses = element_text(html, "responses")
    assert "Declined" in responses and "报价超出预算。" in responses
    history = html[html.index('id="history-heading"'):]
    assert "response received" in history and "response declined" in history


def test_an_enterprise_no_longer_verified_is_flagged(market, people, app):
    owner = people["owner"]
    need_id = market.need(owner, "pending_review")
    with app.app_context():
        org = db.session.get(Organization, owner.organization_id)
        org.status = OrgStatus.UNVERIFIED
        db.session.commit()
    client = market.page_client(people["bureau"])
    html = page(client, f"/bureau/needs/{need_id}?lang=en")
    assert "Not verified (Awaiting verification)" in element_text(html, "enterprise-verified")
    html = page(client, "/bureau/needs?lang=en")
    assert "Organisation not verified" in element_text(html, f"queue-{need_id}")


# --- decisions through the page --------------------------------------------------------------

def test_publishing_opens_the_need(market, people):
    need_id = market.need(people["owner"], "pending_review")
    officer = people["bureau"]
    client = market.page_client(officer)
    version = input_value(page(client, f"/bureau/needs/{need_id}"), "version")
    response = client.post(f"/bureau/needs/{need_id}?lang=en",
                           data={"decision": "publish", "comment": "", "version": version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bureau/needs")
    assert flashes(client) == [("success", "The need is published.")]
    assert market.need_status(need_id) == "published"
    assert market.get_need(need_id).published_at is not None
    assert market.need_history(need_id)[-1] == ("publish", "pending_review", "published",
                                                officer.id, None)
    html = page(client, "/bureau/needs?tab=published")
    assert re.findall(r'id="published-(\d+)"', html) == [str(need_id)]


def test_returning_needs_a_comment_beside_the_field(market, people):
    need_id = market.need(people["owner"], "pending_review")
    officer = people["bureau"]
    client = market.page_client(officer)
    response = client.post(f"/bureau/needs/{need_id}?lang=en",
                           data={"decision": "return", "comment": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "comment") == "Say why; the applicant will see it."
    assert re.search(r'<option selected value="return">|<option value="return" selected>',
                     html)  # what was chosen stays chosen
    assert market.need_status(need_id) == "pending_review"
    assert [e[0] for e in market.need_history(need_id)] == ["create", "submit"]

    response = client.post(f"/bureau/needs/{need_id}?lang=en",
                           data={"decision": "return", "comment": COMMENT})
    assert response.status_code == 302
    assert flashes(client) == [("success",
                                "The need is returned to the enterprise for correction.")]
    assert market.need_status(need_id) == "returned"
    assert market.get_need(need_id).review_comment == COMMENT
    assert market.need_history(need_id)[-1] == ("return", "pending_review", "returned",
                                                officer.id, COMMENT)
    html = page(client, f"/bureau/needs/{need_id}?lang=en")
    assert "The enterprise is working on this need" in html
    assert f"Last comment {COMMENT}" in flat(html)


def test_a_typed_comment_is_kept_when_the_decision_is_refused(market, people, clock):
    need_id = market.need(people["owner"], "pending_review", deadline="2026-07-10")
    clock.set("2026-07-10T03:00:00+00:00")  # the deadline has come while it waited
    client = market.page_client(people["bureau"])
    html = page(client, f"/bureau/needs/{need_id}?lang=en")
    assert "The deadline has come: the need cannot be published" in html
    response = client.post(f"/bureau/needs/{need_id}?lang=en",
                           data={"decision": "publish", "comment": "同意发布"})
    assert response.status_code == 422
    html = text(response.get_data(as_text=True))
    alert = re.search(r'<div class="alert alert-danger form-messages".*?</div>', html, re.S)
    assert "The response deadline has come; return the need so that its owner sets a new " \
        "one." in flat(alert.group(0))
    assert re.search(r"<textarea[^>]*name=\"comment\"[^>]*>\s*同意发布</textarea>", html)
    assert market.need_status(need_id) == "pending_review"


def test_a_decision_on_a_stale_page_is_refused(market, people):
    need_id = market.need(people["owner"], "pending_review")
    client = market.page_client(people["bureau"])
    version = input_value(page(client, f"/bureau/needs/{need_id}"), "version")
    market.run(services.review, need_id, "return", people["bureau"], "补正")
    response = client.post(f"/bureau/needs/{need_id}",
                           data={"decision": "publish", "version": version})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bureau/needs/{need_id}")
    assert [c for c, _ in flashes(client)] == ["warning"]
    assert market.need_status(need_id) == "returned"


def test_a_decision_on_a_published_need_is_a_conflict(market, people):
    need_id = market.need(people["owner"], "published")
    client = market.page_client(people["bureau"])
    response = client.post(f"/bureau/needs/{need_id}?lang=en",
                           data={"decision": "return", "comment": COMMENT})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bureau/needs/{need_id}")
    [(category, message)] = flashes(client)
    assert category == "warning" and "Published" in message
    assert market.need_status(need_id) == "published"


def test_an_unknown_decision_is_refused_beside_the_field(market, people):
    need_id = market.need(people["owner"], "pending_review")
    client = market.page_client(people["bureau"])
    response = client.post(f"/bureau/needs/{need_id}", data={"decision": "delete"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "decision")
    assert market.need_status(need_id) == "pending_review"
