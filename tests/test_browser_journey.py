"""The whole life of an account in the browser, at a laptop and a phone size (issue #12):
register → forget the password → reset it with the link from the mail (a real SMTP server)
→ log in → a batch of three photos → one result (face close-up, animation download) →
sessions → delete the account. axe-core checks every page on the way; a screenshot of each
step goes to test-artifacts/.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from accounts.models import User
from generation.models import Batch, Generation, Status
from tests.browser import BROWSER_SUITE, PASSWORD, VIEWPORTS, Tab, axe_report
from tests.support import encode
from tests.test_browser_e2e import record_progress

pytestmark = BROWSER_SUITE
NEW_PASSWORD = "walnut-harbour-2031"
RESET_LINK = r"https?://[^/\s]+(/accounts/password/reset/\S+/)"


class Journey:
    """A tab that runs axe on each page it is asked to check and keeps what went wrong."""

    def __init__(self, tab: Tab, size: str):
        self.tab = tab
        self.page = tab.page
        self.size = size
        self.problems: list[str] = []

    def check(self, step: str) -> None:
        self.page.wait_for_load_state("networkidle")
        self.problems += axe_report(self.page, f"[{self.size}] {step} ({self.page.url})")
        self.tab.shot(f"journey-{self.size}-{step}")

    def open_menu_link(self, name: str) -> None:
        self.page.locator("header").get_by_role("link", name=name, exact=True).click()


def register(journey: Journey, username: str, email: str) -> None:
    page = journey.page
    page.goto("/")
    journey.check("home")
    journey.open_menu_link("Sign up")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_confirm]", PASSWORD)
    journey.check("register")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/profile/")
    journey.check("profile-new")
    page.click("header button:has-text('Log out')")
    page.wait_for_url("**/")


def reset_password(journey: Journey, email: str, smtp_inbox) -> None:
    page = journey.page
    journey.open_menu_link("Log in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("input[name=email]", email)
    journey.check("password-reset")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/password/reset/sent/")
    journey.check("password-reset-sent")

    assert len(smtp_inbox.messages) == 1
    assert smtp_inbox.messages[0][0] == [email]
    page.goto(smtp_inbox.last_link(RESET_LINK))
    page.wait_for_selector("input[name=new_password1]")
    journey.check("password-reset-confirm")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/password/reset/complete/")
    journey.check("password-reset-complete")


def log_in_with_the_new_password(journey: Journey, username: str) -> None:
    page = journey.page
    page.goto("/accounts/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", PASSWORD)  # the old one no longer works
    page.click("main button[type=submit]")
    page.wait_for_selector(".errorlist, .message-error, [role=alert]")
    journey.check("login-refused")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/profile/")


def three_photos(photo: bytes, folder: Path) -> list[str]:
    """The same public-domain portrait three ways: whole, cropped around the face, smaller."""
    image = Image.open(io.BytesIO(photo)).convert("RGB")
    versions = {
        "whole.jpg": image,
        "cropped.jpg": image.crop((64, 0, 448, 384)),
        "smaller.jpg": image.resize((464, 464)),
    }
    paths = []
    for name, version in versions.items():
        path = folder / name
        path.write_bytes(encode(version, "JPEG", quality=90))
        paths.append(str(path))
    return paths


def generate_a_batch(journey: Journey, photos: list[str]) -> None:
    """Three photos chosen at once, one variant each and a journey; one progress follows
    them all to the batch page."""
    page = journey.page
    journey.open_menu_link("Generate")
    page.wait_for_url("**/generate/")
    page.wait_for_selector("html.has-js")
    page.set_input_files("input[name=file]", photos)
    page.check("input[name=direction][value=adult_to_child]")
    page.click("details.advanced summary")
    page.fill("input[name=variants]", "1")
    page.check("input[name=journey]")
    journey.check("generator-batch")
    record_progress(page)
    page.click("#generate-button")
    page.wait_for_url("**/generate/batch/*/", timeout=240_000)

    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('progress') || '[]')")
    assert any(" of 3" in state["label"] for state in seen), seen
    batch = Batch.objects.get()
    jobs = list(batch.generations.order_by("batch_position"))
    assert [job.status for job in jobs] == [Status.SUCCEEDED] * 3, [j.error_message for j in jobs]
    assert page.locator(".batch-items li").count() == 3
    assert page.get_by_role("link", name="Download all results (zip)").is_visible()
    journey.check("batch")
    page.locator(".batch-items a").first.click()
    page.wait_for_url("**/generate/*-*/")


def look_at_the_result(journey: Journey) -> None:
    page = journey.page
    assert page.locator(".variant").count() == 1
    page.wait_for_selector("#face-wipe.is-live")
    assert page.locator("#face-wipe .wipe-before .wipe-label").inner_text() == "Before"
    assert page.locator("#face-wipe .wipe-after .wipe-label").inner_text() == "After"
    slider = page.get_by_label("Wipe between your face before and after")
    clip = page.locator("#face-wipe-after").evaluate(
        "element => getComputedStyle(element).clipPath"
    )
    assert "50%" in clip
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert slider.input_value() == "52"
    moved = page.locator("#face-wipe-after").evaluate(
        "element => getComputedStyle(element).clipPath"
    )
    assert moved != clip and "52%" in moved
    journey.check("result")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Animated WebP").click()
    animation = Path(download_info.value.path()).read_bytes()
    assert animation[:4] == b"RIFF" and animation[8:12] == b"WEBP"


def review_sessions(journey: Journey) -> None:
    page = journey.page
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Sessions").click()
    page.wait_for_url("**/accounts/sessions/")
    assert page.locator("text=(this browser)").is_visible()
    journey.check("sessions")


def delete_the_account(journey: Journey) -> None:
    page = journey.page
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Delete account…").click()
    page.wait_for_url("**/accounts/delete/")
    journey.check("account-delete")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert "have been deleted" in page.locator(".messages").inner_text()
    journey.check("account-deleted")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda viewport: viewport.name)
def test_a_person_signs_up_resets_the_password_generates_and_deletes_the_account(
    browser, app, smtp_inbox, astronaut_jpeg, viewport, tmp_path
):
    username, email = f"journey-{viewport.name}", f"journey-{viewport.name}@example.com"
    tab = Tab(browser, app.url, viewport=viewport)
    journey = Journey(tab, viewport.name)
    try:
        register(journey, username, email)
        reset_password(journey, email, smtp_inbox)
        log_in_with_the_new_password(journey, username)
        generate_a_batch(journey, three_photos(astronaut_jpeg, tmp_path))
        look_at_the_result(journey)
        review_sessions(journey)
        delete_the_account(journey)
    finally:
        tab.close()

    assert not User.objects.filter(username=username).exists()
    assert not Generation.objects.exists()
    assert not Batch.objects.exists()
    # The refused login is a 4xx page on purpose; anything else in the console is a defect.
    assert [error for error in tab.errors if "status of 4" not in error] == []
    assert journey.problems == [], "\n".join(journey.problems)
