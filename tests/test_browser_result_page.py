"""The result page in headless Chromium (issue #12): the face close-up wipe, every variant's
face in a dialog with previous / next, and the journey played, paused and downloaded.

Uses the browser suites' fixtures (tests/conftest.py: Debian's Chromium, the live server) and
helpers (tests/browser.py); skipped the same way where no Chromium is installed.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generation import services
from generation.models import Generation, Status
from tests.browser import BROWSER_SUITE, PASSWORD, VIEWPORTS, Tab, axe_report, log_in

pytestmark = BROWSER_SUITE


@pytest.fixture
def result_page(app, make_user, astronaut_jpeg) -> str:
    """A finished job with three variants and a journey; returns its page's path."""
    owner = make_user(username="faces", email="faces@example.com", password=PASSWORD)
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg, content_type="image/jpeg")
    generation = services.generation_create(
        owner=owner,
        upload=upload,
        direction="adult_to_child",
        variants=3,
        seed=4,
        journey_frames=4,
    )[0]
    generation = Generation.objects.get(pk=generation.pk)
    assert generation.status == Status.SUCCEEDED, generation.error_message
    return f"/generate/{generation.pk}/"


def clip_of(page) -> str:
    return page.locator("#face-wipe-after").evaluate(
        "element => getComputedStyle(element).clipPath"
    )


def test_the_face_wipe_moves_with_the_keyboard_and_shows_both_labels(tab, result_page):
    page = tab.page
    log_in(page, "faces")
    page.goto(result_page)
    page.wait_for_selector("#face-wipe.is-live")

    assert page.locator("#face-wipe .wipe-before .wipe-label").inner_text() == "Before"
    assert page.locator("#face-wipe .wipe-after .wipe-label").is_visible()
    slider = page.get_by_label("Wipe between your face before and after")
    assert "50%" in clip_of(page)

    slider.focus()
    page.keyboard.press("End")
    assert "100%" in clip_of(page)
    page.keyboard.press("Home")
    assert clip_of(page).replace(" ", "").endswith("0px0px0%)") or " 0%)" in clip_of(page)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert slider.input_value() == "3"

    page.click(".wipe-variant:has-text('2')")
    assert page.locator("#face-wipe-after-image").get_attribute("src").endswith("/crop/1/")
    assert page.locator(".wipe-variant[aria-pressed=true]").inner_text().strip() == "2"
    tab.shot("result-face-wipe")


def test_a_variants_face_opens_large_and_the_arrows_walk_through_them(tab, result_page):
    page = tab.page
    log_in(page, "faces")
    page.goto(result_page)
    page.wait_for_selector("html.has-js")
    links = page.locator("a.face-zoom")
    assert links.count() == 3

    links.first.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#face-dialog")
    assert dialog.evaluate("element => element.open")
    assert "Variant 1" in page.locator("#face-dialog-caption").inner_text()
    page.wait_for_function("document.getElementById('face-dialog-image').naturalWidth === 512")

    page.keyboard.press("ArrowRight")
    assert "Variant 2" in page.locator("#face-dialog-caption").inner_text()
    page.click("#face-dialog-next")
    page.click("#face-dialog-next")  # past the last, back to the first
    assert "Variant 1 " in page.locator("#face-dialog-caption").inner_text()
    page.keyboard.press("ArrowLeft")
    assert "Variant 3" in page.locator("#face-dialog-caption").inner_text()
    tab.shot("result-face-dialog")

    page.keyboard.press("Escape")
    assert not dialog.evaluate("element => element.open")
    # Focus returns to the page, on the variant that was shown last.
    assert page.evaluate("document.activeElement.dataset.caption").startswith("Variant 3")


def test_the_journey_pauses_and_plays_and_downloads_as_webp_and_gif(tab, result_page):
    page = tab.page
    log_in(page, "faces")
    page.goto(result_page)
    page.wait_for_selector("html.has-js")
    animation = page.locator("#journey-animation")
    toggle = page.locator("#journey-toggle")
    assert "/image/animation/" in animation.get_attribute("src")

    toggle.click()
    assert "/image/journey/0/" in animation.get_attribute("src")
    assert toggle.inner_text() == "Play"
    toggle.click()
    assert "/image/animation/" in animation.get_attribute("src")

    for label, expected_format in (("Animated WebP", "WEBP"), ("GIF", "GIF")):
        with page.expect_download() as download_info:
            page.click(f".journey-downloads a:has-text('{label}')")
        download = download_info.value
        image = Image.open(io.BytesIO(download.path().read_bytes()))
        assert image.format == expected_format
        assert image.n_frames > 1, label
        assert download.suggested_filename.endswith(f".{expected_format.lower()}")


def test_with_reduced_motion_the_journey_starts_still_with_a_play_button(tab, result_page):
    page = tab.page
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "faces")
    page.goto(result_page)
    page.wait_for_selector("html.has-js")

    assert page.locator("#journey-toggle").inner_text() == "Play"
    page.wait_for_function("document.getElementById('journey-animation').complete")
    shown = page.evaluate("document.getElementById('journey-animation').currentSrc")
    assert "/image/journey/0/" in shown


def test_without_javascript_the_close_ups_sit_side_by_side_and_faces_are_links(
    browser, app, result_page
):
    no_script = Tab(browser, app.url, javascript=False)
    try:
        page = no_script.page
        log_in(page, "faces")
        page.goto(result_page)

        before = page.locator(".wipe-before").bounding_box()
        after = page.locator(".wipe-after").bounding_box()
        assert before and after and after["x"] >= before["x"] + before["width"]
        assert not page.locator("#face-wipe-slider").is_visible()
        assert page.locator("a.face-zoom").first.get_attribute("href").endswith("/crop/0/")
        page.emulate_media(reduced_motion="reduce")
        page.reload()
        shown = page.evaluate("document.getElementById('journey-animation').currentSrc")
        assert "/image/journey/0/" in shown  # the <source> alone picks the still frame
        no_script.shot("result-nojs")
        assert no_script.errors == []
    finally:
        no_script.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda viewport: viewport.name)
def test_the_result_page_and_its_face_dialog_pass_axe(browser, app, result_page, viewport):
    sized = Tab(browser, app.url, viewport=viewport)
    try:
        page = sized.page
        log_in(page, "faces")
        page.goto(result_page)
        page.wait_for_selector("#face-wipe.is-live")
        problems = axe_report(page, f"result page ({viewport.name})")
        page.locator("a.face-zoom").first.click()
        problems += axe_report(page, f"face dialog ({viewport.name})")
        sized.shot(f"result-faces-{viewport.name}")
        assert problems == [], "\n".join(problems)
        assert sized.errors == []
    finally:
        sized.close()
