"""The S3 storage path against a local S3-compatible server (moto in server mode on 127.0.0.1):
private bucket, objects under the owner's prefix, served only to the owner, removed on delete."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generation.models import Generation, Status
from tests.support import IMMEDIATE

BUCKET = "lightsb-private-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> str:
    executable = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    if not Path(executable).exists():
        pytest.skip("moto_server is not installed")
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.2)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def s3(s3_endpoint, settings):
    """A fresh private bucket, and Django's default storage pointed at it."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET, ACL="private")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                "addressing_style": "path",
                **CREDENTIALS,
            },
        },
    }
    yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.django_db
def test_a_generation_on_s3_is_private_to_its_owner_and_removed_on_delete(
    s3, settings, auth_api_client, user, other_user, api_login, astronaut_jpeg, run_on_commit
):
    from rest_framework.test import APIClient

    settings.TASKS = IMMEDIATE
    with run_on_commit():
        response = auth_api_client.post(
            "/api/generate",
            {
                "file": SimpleUploadedFile("me.jpg", astronaut_jpeg, "image/jpeg"),
                "direction": "adult_to_child",
                "variants": 2,
            },
            format="multipart",
        )
    assert response.status_code == 202, response.content  # finished after the commit hook
    generation = Generation.objects.get(pk=response.json()["id"])
    assert generation.status == Status.SUCCEEDED, generation.error_message

    stored = keys(s3)
    assert stored, "nothing was written to the bucket"
    assert all(key.startswith(f"generations/{user.pk}/") for key in stored)
    assert len([key for key in stored if "/result-" in key]) == 2
    # Encrypted at rest: an object read straight from the bucket is no JPEG.
    for key in stored:
        raw = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert not raw.startswith(b"\xff\xd8\xff"), key
    # Private bucket: an anonymous request for an object is refused.
    anonymous = urllib.request.Request(
        f"{settings.STORAGES['default']['OPTIONS']['endpoint_url']}/{BUCKET}/{stored[0]}"
    )
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(anonymous, timeout=5)

    detail = auth_api_client.get(f"/api/generations/{generation.pk}").json()
    image = auth_api_client.get(detail["results"][1]["url"])
    assert image.status_code == 200
    assert b"".join(image.streaming_content)[:3] == b"\xff\xd8\xff"
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(other_user)['access']}")
    assert intruder.get(detail["results"][1]["url"]).status_code == 404

    with run_on_commit():
        assert auth_api_client.delete(f"/api/generations/{generation.pk}").status_code == 204
    assert keys(s3) == []


@pytest.mark.django_db
def test_a_rejected_upload_writes_nothing_to_the_bucket(s3, settings, auth_api_client):
    settings.TASKS = IMMEDIATE

    response = auth_api_client.post(
        "/api/generate",
        {
            "file": SimpleUploadedFile("me.jpg", b"\xff\xd8\xff broken", "image/jpeg"),
            "direction": "adult_to_child",
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert keys(s3) == []
