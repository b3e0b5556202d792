"""Browser: a batch of three photos chosen at once, one progress, every result, one zip."""

from __future__ import annotations

import io
import zipfile

from generation.models import Batch, Status
from tests.browser import BROWSER_SUITE, MOBILE, PASSWORD, axe_report, log_in
from tests.test_browser_e2e import record_progress

pytestmark = BROWSER_SUITE


def test_three_photos_chosen_at_once_become_one_batch_with_one_zip(
    tab,
    app,
    make_user,
    portrait_jpeg,
    tmp_path,
):
    make_user(username="batcher", email="batcher@example.com", password=PASSWORD)
    photos = []
    for number in (1, 2, 3):
        path = tmp_path / f"portrait-{number}.jpg"
        path.write_bytes(portrait_jpeg)
        photos.append(str(path))
    page = tab.page
    log_in(page, "batcher")
    page.goto("/generate/")
    page.wait_for_selector("html.has-js")

    page.set_input_files("input[name=file]", photos)
    page.check("input[name=direction][value=adult_to_child]")
    page.click("details.advanced summary")
    page.fill("input[name=variants]", "1")
    record_progress(page)
    page.click("#generate-button")
    page.wait_for_url("**/generate/batch/*/", timeout=120_000)
    tab.shot("batch")

    # While the post ran, one progress panel followed all three photos.
    seen = page.evaluate("() => JSON.parse(sessionStorage.getItem('progress') || '[]')")
    assert any(" of 3" in state["label"] for state in seen), seen

    batch = Batch.objects.get()
    jobs = list(batch.generations.order_by("batch_position"))
    assert [job.status for job in jobs] == [Status.SUCCEEDED] * 3, [j.error_message for j in jobs]
    items = page.locator(".batch-items li")
    assert items.count() == 3
    for number in (1, 2, 3):
        assert f"portrait-{number}.jpg" in items.nth(number - 1).inner_text()
    assert axe_report(page, "batch page, desktop") == []
    page.set_viewport_size(MOBILE.as_size())
    assert axe_report(page, "batch page, phone") == []
    loaded = page.eval_on_selector_all(
        ".batch-items img", "images => images.map(i => i.naturalWidth)"
    )
    assert len(loaded) == 3 and all(width > 0 for width in loaded)

    with page.expect_download() as download_info:
        page.click("text=Download all results (zip)")
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert folders == {"01-portrait-1", "02-portrait-2", "03-portrait-3"}
