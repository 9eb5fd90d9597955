"""axe-core (vendored by axe-playwright-python, no network) on the main pages, in Chinese and
English, as a visitor and as each role on its forms: no serious or critical violation."""
import re
import time

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.e2e.journey import DEMO_PASSWORD, Cast

BLOCKING = {"serious", "critical"}
DETAIL = re.compile(r"^/(listings|achievements|needs|brokers|deals|contracts)/\d+$")
# (who, [pages]); "first:<list>" opens the first record linked from that list page.
PAGES = [
    (None, ["/", "/listings", "first:/listings", "/search?q=%E7%85%A4", "/achievements",
            "first:/achievements", "/needs", "first:/needs", "/brokers", "first:/brokers",
            "/stats", "/login", "/register"]),
    ("coalinst", ["/achievements/new", "/listings/new"]),
    ("fenjiu", ["/needs/new", "first:/listings", "first:/deals/mine", "first:/contracts"]),
    ("broker", ["/brokers/me", "/matches"]),
    ("bureau", ["/bureau/achievements", "first:/bureau/achievements", "/bureau/listings",
                "first:/bureau/listings", "first:/bureau/contracts", "/bureau/organizations"]),
    ("admin", ["/admin/settings"]),
]


def first_record(actor, list_path):
    """The path of the first record linked from a list page."""
    page = actor.goto(list_path)
    hrefs = page.locator("main a[href]").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    pattern = DETAIL if not list_path.startswith("/bureau/") else re.compile(
        r"^/bureau/\w+/\d+$")
    found = next((h for h in hrefs if pattern.match(h.split("?")[0])), None)
    assert found, f"no record linked from {list_path}"
    return found


def violations(page):
    """'rule (impact): targets' for each serious or critical violation on the page (axe-core
    is injected by the context's init script, as axe-playwright-python's Axe.run would)."""
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}) {v['help']}: "
            + "; ".join(", ".join(map(str, n["target"])) for n in v["nodes"][:5])
            for v in results["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_pages_have_no_serious_accessibility_violations(browser, live_server, lang,
                                                              request):
    started, found, checked = time.monotonic(), [], 0
    with Cast(browser, live_server, lang, request.node.name) as cast:
        for who, paths in PAGES:
            actor = cast.actor(who or "visitor")
            actor.context.add_init_script(AXE_SCRIPT)
            if who:
                actor.log_in(who, DEMO_PASSWORD)
            for path in paths:
                if path.startswith("first:"):
                    path = first_record(actor, path.removeprefix("first:"))
                page = actor.goto(path)
                page.wait_for_load_state("load")  # site.js has run (it fixes some markup)
                checked += 1
                found += [f"{who or 'visitor'} {path}: {v}" for v in violations(page)]
            actor.close()
            cast.actors.remove(actor)
    print(f"\naxe on {checked} pages ({lang}) took {time.monotonic() - started:.1f} s")
    assert not found, "serious or critical accessibility violations:\n" + "\n".join(found)
