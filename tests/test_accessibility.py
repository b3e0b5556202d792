"""WCAG checks with axe-core over every page, logged out, logged in and as staff, at a laptop
(1366x768) and a phone (390x844) size: zero serious or critical violations (issue #12).

Which pages: every route without a parameter is found in the URL configuration itself, so a
page added later is checked without editing this file; routes that take a parameter (a result,
a share link, a reset token) are listed in PAGES_WITH_PARAMETERS. A route is checked for a
role when it answers that role with an HTML page at its own address (a redirect to the login
page, a download or a JSON answer is not a page of that role).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.browser import BROWSER_SUITE, VIEWPORTS, Tab, Viewport, axe_report, log_in
from tests.demo import DEMO_PASSWORD, Demo, demo_create

pytestmark = BROWSER_SUITE

# Not pages of this site: the JSON API, Django's admin, probes and metrics.
SKIPPED_NAMESPACES = frozenset({"api", "admin"})
SKIPPED_NAMES = frozenset({"healthz", "readyz", "metrics"})

VISITOR, MEMBER, STAFF = "visitor", "member", "staff"


@dataclass(frozen=True)
class PageWithParameters:
    role: str
    url_name: str
    kwargs: Callable[[Demo], dict[str, str]]
    expected_status: int = 200


PAGES_WITH_PARAMETERS = [
    PageWithParameters(VISITOR, "share", lambda demo: {"token": demo.share_token}),
    PageWithParameters(
        VISITOR,
        "accounts:password_reset_confirm",
        lambda demo: {"uidb64": demo.reset_uidb64, "token": demo.reset_token},
    ),
    PageWithParameters(  # the "this link no longer works" page
        VISITOR, "accounts:password_reset_confirm", lambda demo: {"uidb64": "MQ", "token": "x-y"}
    ),
    PageWithParameters(MEMBER, "generation:detail", lambda demo: {"pk": demo.generation_id}),
    PageWithParameters(MEMBER, "generation:detail", lambda demo: {"pk": demo.failed_generation_id}),
    PageWithParameters(MEMBER, "generation:batch", lambda demo: {"pk": demo.batch_id}),
]
# Addresses that answer with an error page on purpose.
ERROR_PAGES = {
    VISITOR: ["/no-such-page/"],
    MEMBER: ["/generate/00000000-0000-0000-0000-000000000000/"],
}

# Pages that must be among the checked ones: a guard against a discovery that finds nothing.
MUST_CHECK = {
    VISITOR: {
        "/",
        "/about/",
        "/privacy/",
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/complete/",
    },
    MEMBER: {
        "/generate/",
        "/generate/history/",
        "/stats/",
        "/accounts/profile/",
        "/accounts/profile/edit/",
        "/accounts/password/",
        "/accounts/sessions/",
        "/accounts/delete/",
        "/integrations/keys/",
    },
    STAFF: {"/generate/dashboard/"},
}


def routes_without_parameters() -> list[str]:
    """The address of every named route of the site that takes no parameter."""
    found: list[str] = []

    def walk(patterns, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name and entry.name not in SKIPPED_NAMES:
                if entry.pattern.regex.groups:  # takes a parameter
                    continue
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append(reverse(name))

    walk(get_resolver().url_patterns, None)
    return sorted(set(found))


def is_own_html_page(tab: Tab, path: str) -> bool:
    """Whether ``path`` answers this tab's user with an HTML page of its own (not a redirect
    elsewhere, not a download, not JSON, not a 405 of a POST-only route)."""
    response = tab.context.request.get(path)
    return (
        response.status == 200
        and urlsplit(response.url).path == path
        and response.headers.get("content-type", "").startswith("text/html")
    )


def check_pages(tab: Tab, paths: list[str], role: str, viewport: Viewport) -> list[str]:
    problems: list[str] = []
    for path in paths:
        tab.page.goto(path)
        problems += axe_report(tab.page, f"[{viewport.name} {role}] {path}")
    return problems


def pages_for(role: str, tab: Tab, demo: Demo) -> tuple[list[str], list[str]]:
    """(pages this role can open, routes without parameters it could not)."""
    discovered = routes_without_parameters()
    own = [path for path in discovered if is_own_html_page(tab, path)]
    others = [path for path in discovered if path not in own]
    with_parameters = [
        reverse(page.url_name, kwargs=page.kwargs(demo))
        for page in PAGES_WITH_PARAMETERS
        if page.role == role
    ]
    return own + with_parameters + ERROR_PAGES.get(role, []), others


@pytest.fixture
def demo(app, media_root) -> Demo:
    return demo_create()


def check_every_page(browser, base_url: str, demo: Demo, viewport: Viewport) -> list[str]:
    """The blocking problems of every page at one size; asserts the expected pages were seen."""
    problems: list[str] = []
    checked: dict[str, set[str]] = {}
    visitor, member, staff = (Tab(browser, base_url, viewport=viewport) for _ in range(3))
    try:
        visitor_pages, _ = pages_for(VISITOR, visitor, demo)
        problems += check_pages(visitor, visitor_pages, VISITOR, viewport)
        checked[VISITOR] = set(visitor_pages)

        log_in(member.page, demo.member.username, DEMO_PASSWORD)
        member_pages, refused = pages_for(MEMBER, member, demo)
        problems += check_pages(member, member_pages, MEMBER, viewport)
        checked[MEMBER] = set(member_pages)

        # Staff: the pages a member could not open. The member's pages seen by staff are the
        # same templates (the header gains two links), so the generator stands for them.
        log_in(staff.page, demo.staff.username, DEMO_PASSWORD)
        staff_pages = [path for path in refused if is_own_html_page(staff, path)]
        problems += check_pages(staff, [*staff_pages, "/generate/"], STAFF, viewport)
        checked[STAFF] = set(staff_pages)
    finally:
        for opened in (visitor, member, staff):
            opened.close()
    # The error pages are 404s on purpose; any other console error is a defect.
    problems += [
        f"[{viewport.name}] console: {error}"
        for opened in (visitor, member, staff)
        for error in opened.errors
        if "status of 404" not in error
    ]
    for role, paths in MUST_CHECK.items():
        assert paths <= checked[role], f"{role} did not check {sorted(paths - checked[role])}"
    return problems


def test_every_page_has_no_serious_accessibility_violation_at_both_sizes(browser, app, demo):
    # One test for both sizes: the demo's generation is made once.
    problems = [
        problem
        for viewport in VIEWPORTS
        for problem in check_every_page(browser, app.url, demo, viewport)
    ]
    assert problems == [], "\n".join(problems)


def test_the_check_reports_what_axe_finds(browser):
    """The harness itself: a page with an unlabelled image and field fails with readable lines."""
    page = browser.new_page()
    try:
        page.set_content(
            '<html lang="en"><title>t</title><main><img src="data:,">'
            '<input type="text"></main></html>'
        )
        report = axe_report(page, "fixture")
    finally:
        page.close()
    assert any(line.startswith("fixture: image-alt (critical) at ['img']") for line in report)
    assert any("label (critical)" in line for line in report), report
