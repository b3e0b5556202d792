"""Stage labels come from the server; every limit has one source that all readers quote."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from generation import limits, services
from generation.api import GenerateInputSerializer, JourneyField
from generation.errors import InvalidGenerationParameters
from generation.forms import GenerateForm
from generation.ml import limits as engine_limits
from generation.models import Direction, Generation, Stage, Status, stage_label

pytestmark = pytest.mark.django_db


def test_the_progress_json_carries_the_label_of_each_stage(auth_client, user, make_generation):
    job = make_generation(owner=user)
    url = reverse("generation:progress", args=[job.pk])

    assert auth_client.get(url).json()["stage_label"] == "Waiting for a free worker"
    for stage in (Stage.STARTING, Stage.TRANSPORT, Stage.SAVING):
        Generation.objects.filter(pk=job.pk).update(status=Status.RUNNING, stage=stage)
        assert auth_client.get(url).json()["stage_label"] == stage.label


def test_a_stage_the_service_does_not_know_reads_as_working():
    assert stage_label("a-new-engine-stage") == "Working"
    assert stage_label("detect") == "Finding faces"


def test_the_page_script_keeps_no_copy_of_the_stage_labels():
    script = (Path(django_settings.BASE_DIR) / "static" / "js" / "generator.js").read_text()

    assert "STAGE_LABELS" not in script
    assert "stage_label" in script
    for stage in Stage:
        if stage.label != "Working":
            assert f'"{stage.label}"' not in script


def test_the_engine_and_the_service_share_their_limits():
    assert limits.MAX_VARIANTS == engine_limits.MAX_VARIANTS
    assert limits.MAX_FACES == engine_limits.MAX_FACES
    assert limits.MAX_JOURNEY_FRAMES == engine_limits.MAX_JOURNEY_FRAMES
    assert tuple(Direction.values) == engine_limits.DIRECTIONS


def test_form_serializer_and_service_refuse_the_same_variants():
    too_many = limits.MAX_VARIANTS + 1

    assert GenerateForm().fields["variants"].max_value == limits.MAX_VARIANTS
    assert GenerateInputSerializer().fields["variants"].max_value == limits.MAX_VARIANTS
    with pytest.raises(InvalidGenerationParameters) as raised:
        services.generation_validate_parameters(
            direction=Direction.ADULT_TO_CHILD,
            variants=too_many,
            strength=1.0,
            seed=None,
            face_index=None,
            journey_frames=0,
        )
    assert str(limits.MAX_VARIANTS) in raised.value.extra["fields"]["variants"][0]


def test_the_schema_quotes_the_journey_limit(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    journey = schema["components"]["schemas"]["GenerateInputRequest"]["properties"]["journey"]

    assert journey["oneOf"][0]["maximum"] == limits.MAX_JOURNEY_FRAMES
    assert JourneyField().to_internal_value("true") == limits.DEFAULT_JOURNEY_FRAMES


def test_the_upload_limit_in_messages_follows_the_setting(settings):
    settings.LIGHTSB_MAX_UPLOAD_BYTES = 5 * 1024 * 1024

    assert limits.upload_size_text() == "5 MB"
    assert "up to 5 MB" in str(GenerateForm().fields["file"].help_text)
