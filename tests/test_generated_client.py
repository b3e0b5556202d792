"""A Python client generated from the live server's /api/schema/ (openapi-python-client), used as
an integrator would: log in, make an API key and a webhook secret, upload the test portrait with
a webhook, wait, download the results, and check the signed webhook that a local receiver got.

The generator runs at test time on the schema the server serves, so a schema change that breaks
generated clients (or makes the generator warn) fails here. The generator handles JSON, text and
``application/octet-stream`` answers only; its documented ``content_type_overrides`` tells it
that our image/jpeg, image/webp and application/zip answers are bytes too (the schema keeps the
true types).
"""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest
from django.db import connections
from PIL import Image

from integrations.tests.receiver import running_receiver
from integrations.tests.test_webhooks import documented_verifier
from tests.support import IMMEDIATE

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
GENERATOR_CONFIG = """\
post_hooks: []
content_type_overrides:
  image/jpeg: application/octet-stream
  image/webp: application/octet-stream
  application/zip: application/octet-stream
"""
PACKAGE = "lightsb_generated_client"


@pytest.fixture
def client_package(live_server, tmp_path):
    """The client generated from the schema the live server serves, imported from tmp_path."""
    schema = tmp_path / "schema.yaml"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/", timeout=30) as answer:
        schema.write_bytes(answer.read())
    config = tmp_path / "generator.yaml"
    config.write_text(GENERATOR_CONFIG)
    generated = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        # Every operation's module loads (a generator bug once left names undefined in some).
        for found in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
            importlib.import_module(found.name)
        yield package
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def request_threads_close_their_connections(monkeypatch):
    """The live server answers each request on a new thread; with persistent connections
    (DATABASE_CONN_MAX_AGE) those threads would leave sessions open on the test database."""
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


def module(package: ModuleType, name: str) -> ModuleType:
    return importlib.import_module(f"{package.__name__}.{name}")


def test_the_generated_client_generates_downloads_and_gets_a_signed_webhook(
    request_threads_close_their_connections,
    client_package,
    live_server,
    settings,
    media_root,
    make_user,
    password,
    astronaut_jpeg,
):
    settings.TASKS = IMMEDIATE
    user = make_user(username="integrator", email="integrator@example.com")
    client_module = module(client_package, "client")
    models = module(client_package, "models")
    types = module(client_package, "types")
    api = "api"

    # A login token, then an API key and a webhook signing secret, all through the client.
    anonymous = client_module.Client(base_url=live_server.url)
    login = module(client_package, f"{api}.auth.auth_login_create").sync_detailed(
        client=anonymous,
        body=models.LoginInputRequest(identifier=user.username, password=password),
    )
    assert login.status_code == 200, login.content
    logged_in = client_module.AuthenticatedClient(
        base_url=live_server.url, token=login.parsed.access
    )
    key = module(client_package, f"{api}.integrations.api_keys_create").sync(
        client=logged_in,
        body=models.ApiKeyInputRequest(
            name="generated client",
            scopes=[models.ScopesEnum.GENERATE, models.ScopesEnum.READ],
        ),
    )
    secret = module(client_package, f"{api}.integrations.webhook_secret_rotate").sync(
        client=logged_in
    )
    assert key.key.startswith("lsb_") and secret.secret.startswith("whsec_")
    with_key = client_module.AuthenticatedClient(
        base_url=live_server.url, token=key.key, prefix="Api-Key", timeout=300
    )

    with running_receiver() as receiver:
        created = module(client_package, f"{api}.generation.generation_create").sync_detailed(
            client=with_key,
            body=models.GenerateInputRequest(
                file=types.File(
                    payload=io.BytesIO(astronaut_jpeg),
                    file_name="portrait.jpg",
                    mime_type="image/jpeg",
                ),
                direction=models.DirectionEnum.ADULT_TO_CHILD,
                variants=2,
                seed=7,
                webhook=receiver.url,
            ),
        )
        assert created.status_code in (201, 202), created.content
        job_id = created.parsed.id

        retrieve = module(client_package, f"{api}.generation.generation_retrieve")
        deadline = time.monotonic() + 300
        job = retrieve.sync(job_id, client=with_key)
        while job.status.value in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            job = retrieve.sync(job_id, client=with_key)
        assert job.status.value == "succeeded", job.error
        [webhook] = receiver.wait_for(1, timeout=60)

    portrait = Image.open(io.BytesIO(astronaut_jpeg))
    result_api = module(client_package, f"{api}.generation.generation_result")
    assert [result.index for result in job.results] == [0, 1]
    for result in job.results:
        download = result_api.sync_detailed(job_id, result.index, client=with_key)
        assert download.status_code == 200
        image = Image.open(io.BytesIO(download.content))
        assert (image.format, image.size) == ("JPEG", portrait.size)

    assert documented_verifier()(secret.secret, webhook.headers, webhook.body)
    event = json.loads(webhook.body)
    assert (event["id"], event["status"]) == (str(job_id), "succeeded")
    assert [item["url"] for item in event["results"]] == [result.url for result in job.results]

    deliveries = module(client_package, f"{api}.integrations.webhook_deliveries_list")
    deadline = time.monotonic() + 30
    listed = deliveries.sync(client=with_key, generation=job_id)
    while listed.results[0].status.value == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
        listed = deliveries.sync(client=with_key, generation=job_id)
    [delivery] = listed.results
    assert (delivery.status.value, delivery.attempts, delivery.last_status_code) == (
        "delivered",
        1,
        200,
    )
    assert str(delivery.id) == webhook.headers["LightSB-Webhook-Id"]
