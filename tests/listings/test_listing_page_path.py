"""The whole path from a listing to a deal to a certified contract through the pages alone
(the test client posts what each page's form holds, as a browser would); the same path
through the API alone is in test_listing_api.py."""
import io
import re
from datetime import timedelta

from achievement_helpers import flashes

from marketplace.contracts.models import Contract
from marketplace.extensions import db
from marketplace.listings.models import Deal
from tests.factories import PDF
from tests.pages import form_fields, input_value, text


def _post_form(client, page_url, action, **typed):
    """GET the page, take the fields of the form posting to `action`, change what the user
    types, and POST it to `action`."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    fields = form_fields(page.get_data(as_text=True), action)
    assert fields or not typed, f"no form posting to {action} on {page_url}"
    fields.update(typed)
    return client.post(action, data=fields)


def _location_id(response):
    return int(re.search(r"/(\d+)(?:\?|$)", response.headers["Location"]).group(1))


def test_a_listing_becomes_a_certified_contract_through_pages_alone(market, app, clock):
    seller = market.user("institute")
    buyer = market.user("enterprise")
    officer = market.bureau()
    achievement_id = market.registered(seller)
    sellers, buyers, bureau = (market.page_client(u) for u in (seller, buyer, officer))

    # The seller lists the achievement from its page, then submits the draft.
    achievement_page = sellers.get(f"/achievements/{achievement_id}?lang=en")
    assert f"/listings/new?achievement={achievement_id}" in achievement_page.get_data(
        as_text=True)
    created = _post_form(sellers, f"/listings/new?achievement={achievement_id}&lang=en",
                         "/listings/new", transfer_mode="assignment",
                         asking_price="1,500,000", reserve_price="1000000",
                         bid_increment="50000", announcement_days="15", listing_days="30",
                         bidding_days="5", buyer_conditions="具备煤层气开发资质的企业。")
    assert created.status_code == 302, text(created.get_data(as_text=True))[:2000]
    listing_id = _location_id(created)
    assert market.listing_status(listing_id) == "draft"
    flashes(sellers)
    submitted = _post_form(sellers, f"/listings/{listing_id}",
                           f"/listings/{listing_id}/submit")
    assert submitted.status_code == 302
    assert market.listing_status(listing_id) == "pending_review"

    # The bureau finds it in its queue and approves it: the announcement starts.
    assert f"/bureau/listings/{listing_id}" in bureau.get("/bureau/listings").get_data(
        as_text=True)
    approved = _post_form(bureau, f"/bureau/listings/{listing_id}",
                          f"/bureau/listings/{listing_id}", decision="approve", comment="")
    assert approved.status_code == 302
    assert market.listing_status(listing_id) == "announced"

    # The public sees it; an enterprise registers its intent with an offer.
    visitor = market.page_client(None)
    assert f"/listings/{listing_id}" in visitor.get("/listings").get_data(as_text=True)
    intent = _post_form(buyers, f"/listings/{listing_id}", f"/listings/{listing_id}/intents",
                        statement="我公司具备煤层气开发资质，注册资本 5000 万元。",
                        offered_price="1,200,000")
    assert intent.status_code == 302
    assert market.get_listing(listing_id).intents_count == 1

    # The announcement ends: the page itself moves the listing to negotiation (no tick).
    clock.set(market.get_listing(listing_id).announcement_ends_at + timedelta(seconds=1))
    page = sellers.get(f"/listings/{listing_id}?lang=en").get_data(as_text=True)
    assert market.listing_status(listing_id) == "negotiating"
    assert "1,200,000.00" in text(page)

    # Both sides confirm on the page: the deal is made with its papers and a draft contract.
    assert _post_form(sellers, f"/listings/{listing_id}",
                      f"/listings/{listing_id}/confirm").status_code == 302
    assert _post_form(buyers, f"/listings/{listing_id}",
                      f"/listings/{listing_id}/confirm").status_code == 302
    assert market.listing_status(listing_id) == "dealt"
    with app.app_context():
        deal = db.session.scalar(db.select(Deal).where(Deal.listing_id == listing_id))
        deal_id, contract_id = deal.id, deal.contract.id
        certificate_number, code = deal.certificate_number, deal.verification_code
    dealt_page = buyers.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert f"/deals/{deal_id}" in dealt_page and f"/contracts/{contract_id}" in dealt_page
    for client in (sellers, buyers, bureau):
        assert client.get(f"/deals/{deal_id}").status_code == 200
        assert client.get(f"/deals/{deal_id}/certificate").status_code == 200
    assert visitor.get(f"/deals/{deal_id}/announcement").status_code == 200
    verified = visitor.get(f"/verify/{certificate_number}?code={code}")
    assert verified.status_code == 200

    # The seller completes the pre-filled contract, attaches the signed PDF and files it.
    edit_url = f"/contracts/{contract_id}/edit"
    prefilled = form_fields(sellers.get(edit_url).get_data(as_text=True), edit_url)
    assert prefilled["contract_type"] == "transfer"
    assert prefilled["total_amount"] == "1200000.00"
    assert prefilled["buyer_name"] == market.run(lambda u: u.organization.name, buyer)
    today = clock.now().date()
    saved = _post_form(sellers, edit_url, edit_url, signed_on=today.isoformat(),
                       valid_from=today.isoformat(),
                       valid_to=(today + timedelta(days=3 * 365)).isoformat(),
                       tech_domain="new_energy", payment_method="instalments")
    assert saved.status_code == 302, text(saved.get_data(as_text=True))[:2000]
    uploaded = sellers.post(f"/contracts/{contract_id}/file",
                            data={"file": (io.BytesIO(PDF), "转让合同（盖章）.pdf")})
    assert uploaded.status_code == 302
    filed = _post_form(sellers, f"/contracts/{contract_id}",
                       f"/contracts/{contract_id}/submit")
    assert filed.status_code == 302
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert (contract.status, contract.deal_id) == ("submitted", deal_id)

    # The bureau certifies it; the achievement is marked transferred.
    certified = _post_form(bureau, f"/bureau/contracts/{contract_id}",
                           f"/bureau/contracts/{contract_id}", decision="certify",
                           comment="")
    assert certified.status_code == 302
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert contract.status == "certified" and contract.registration_number
    assert market.get(achievement_id).transferred
    certificate = buyers.get(f"/contracts/{contract_id}/certificate")
    assert certificate.status_code == 200
    assert input_value(sellers.get(f"/contracts/{contract_id}").get_data(as_text=True),
                       "version") is not None
