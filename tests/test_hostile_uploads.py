"""Every file of the hostile corpus (bench/hostile_corpus.py), posted to /api/generate.

No server error; every refusal is ``{code, message}`` with the right status and leaves no file
and no job row; valid but unusual photos (greyscale, alpha, CMYK, 16-bit...) are accepted, and
what is stored is a clean JPEG under a random name in the owner's folder, never the original
bytes or name. The sweep queues jobs without running them; a second test runs the unusual
portraits through the real engine.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from bench.hostile_corpus import ACCEPT, EITHER, REJECT, CorpusItem, build_corpus
from generation import storage
from generation.models import Generation, Status
from tests.support import DUMMY, IMMEDIATE, multipart_body, stored_files

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FIELDS = {"direction": "male_to_female", "variants": "1", "seed": "7"}
# generations/<owner>/[<job>/]<kind>(/ or -)<random hex>.jpg: nothing of the client's name.
STORED_NAME = re.compile(
    r"^generations/[0-9a-f-]{36}/(?:[0-9a-f-]{36}/)?(input|thumb)[/-][0-9a-f]{32}\.jpg$"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[CorpusItem]:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def bearer_client(user, api_login) -> Client:
    client = Client(raise_request_exception=False)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {api_login(user)['access']}"
    return client


def post(client: Client, item: CorpusItem, **extra):
    body, content_type = multipart_body(
        fields=FIELDS,
        file_name=item.upload_name,
        data=Path(item.file).read_bytes(),
        content_type=item.content_type,
    )
    return client.generic("POST", "/api/generate", data=body, content_type=content_type, **extra)


def check_refusal(item: CorpusItem, response, files_before, files_after, jobs_added) -> list[str]:
    problems = []
    try:
        body = response.json()
    except ValueError:
        return [f"{item.label}: refusal is not JSON: {response.content[:120]!r}"]
    if not (isinstance(body.get("code"), str) and isinstance(body.get("message"), str)):
        problems.append(f"{item.label}: refusal without code/message: {body}")
    elif not body["message"].strip():
        problems.append(f"{item.label}: empty message")
    if item.codes and body.get("code") not in item.codes:
        problems.append(f"{item.label}: code {body.get('code')!r} not in {item.codes}")
    if item.status and response.status_code != item.status:
        problems.append(f"{item.label}: status {response.status_code}, expected {item.status}")
    if files_after != files_before:
        problems.append(f"{item.label}: refusal left files {set(files_after) - set(files_before)}")
    if jobs_added:
        problems.append(f"{item.label}: refusal left {jobs_added} job row(s)")
    return problems


def check_acceptance(item: CorpusItem, response, new_files: list[Path], root: Path) -> list[str]:
    problems = []
    body = response.json()
    if response.status_code != 202 or body.get("status") != Status.QUEUED:
        return [f"{item.label}: expected 202 queued, got {response.status_code} {body}"]
    names = sorted(str(path.relative_to(root)) for path in new_files)
    if len(names) != 2 or not all(STORED_NAME.match(name) for name in names):
        problems.append(f"{item.label}: unexpected stored names {names}")
    for path in new_files:
        # Stored files are encrypted at rest: check what the app reads back.
        data = storage.read(str(path.relative_to(root)))
        if not data:
            problems.append(f"{item.label}: zero-byte file {path.name}")
            continue
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG" or image.mode != "RGB":
                problems.append(f"{item.label}: stored {image.format} {image.mode}")
            if image.getexif() or "icc_profile" in image.info:
                problems.append(f"{item.label}: metadata survived in {path.name}")
        for payload in (b"<?php", b"PK\x03\x04", b"Spy Camera"):
            if payload in data:
                problems.append(f"{item.label}: stored copy still holds {payload!r}")
    return problems


def test_the_corpus_has_at_least_a_hundred_files_of_every_kind(corpus):
    kinds = {item.expect for item in corpus}
    labels = {item.label for item in corpus}

    assert len(corpus) >= 100
    assert kinds == {REJECT, ACCEPT, EITHER}
    for needed in (
        "empty",
        "truncated_jpeg_50pct",
        "png_bomb_1bit_30000x30000",
        "thirty_megabytes",
        "jpeg_header_20000x20000",
        "svg_named_jpg",
        "php_named_jpg",
        "gif",
        "tiff_lzw",
        "cmyk_jpeg",
        "sixteen_bit_grey_png",
        "rgba_png",
        "greyscale_jpeg",
        "animated_webp",
        "name_dot_dot_slash",
        "name_nul_php",
    ):
        assert needed in labels


def test_every_hostile_upload_gets_a_clean_answer_and_leaves_nothing_behind(
    corpus, bearer_client, media_root, settings
):
    settings.TASKS = DUMMY  # queue only: this sweep is about the upload, not the engine
    problems: list[str] = []
    outcomes = {"accepted": 0, "refused": 0}
    answers: dict[str, dict] = {}

    for item in corpus:
        files_before = stored_files(media_root)
        jobs_before = Generation.objects.count()
        response = post(bearer_client, item)
        files_after = stored_files(media_root)
        jobs_added = Generation.objects.count() - jobs_before

        try:
            code = response.json().get("code", "")
        except ValueError:
            code = ""
        answers[item.label] = {"expect": item.expect, "status": response.status_code, "code": code}
        if response.status_code >= 500:
            problems.append(f"{item.label}: server error {response.status_code}")
            continue
        accepted = 200 <= response.status_code < 300
        outcomes["accepted" if accepted else "refused"] += 1
        if item.expect == ACCEPT and not accepted:
            problems.append(f"{item.label}: refused a valid photo: {response.content[:200]!r}")
        elif item.expect == REJECT and accepted:
            problems.append(f"{item.label}: accepted a file that must be refused")
        elif accepted:
            new_files = sorted(set(files_after) - set(files_before))
            problems.extend(check_acceptance(item, response, new_files, media_root))
            if jobs_added != 1:
                problems.append(f"{item.label}: {jobs_added} job rows for one upload")
        else:
            problems.extend(check_refusal(item, response, files_before, files_after, jobs_added))

    ARTIFACTS.mkdir(exist_ok=True)  # every answer, for the CI artifacts and docs/benchmarks.md
    (ARTIFACTS / "hostile-uploads.json").write_text(json.dumps(answers, indent=1))
    assert not problems, "\n".join(problems)
    assert outcomes["refused"] >= sum(item.expect == REJECT for item in corpus)
    assert outcomes["accepted"] >= sum(item.expect == ACCEPT for item in corpus)


UNUSUAL_PORTRAITS = [
    "greyscale_jpeg",
    "greyscale_alpha_png",
    "rgba_png",
    "cmyk_jpeg",
    "sixteen_bit_rgb_png",
    "exif_orientation_9",
    "lossless_webp",
    "progressive_jpeg",
]


@pytest.mark.slow
def test_unusual_but_valid_portraits_are_processed_by_the_real_engine(
    corpus, bearer_client, media_root, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    by_label = {item.label: item for item in corpus}
    outcomes = {}

    for label in UNUSUAL_PORTRAITS:
        with django_capture_on_commit_callbacks(execute=True):
            response = post(bearer_client, by_label[label])
        # The job runs when the request's transaction commits, after its answer: 202 queued.
        assert response.status_code == 202, (label, response.content[:300])
        job = Generation.objects.get(pk=response.json()["id"])
        outcomes[label] = (job.status, job.error_code, job.results.count())

    assert outcomes == {label: (Status.SUCCEEDED, "", 1) for label in UNUSUAL_PORTRAITS}
