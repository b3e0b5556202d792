"""The home page's before/after examples: made by a command with the real engine, shown on /."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from generation import examples
from generation.models import Direction


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    call_command("make_home_examples", output=folder, seed=examples.DEFAULT_SEED)
    return folder


def test_the_command_writes_a_before_after_pair_for_every_direction(made):
    manifest = json.loads((made / "manifest.json").read_text())

    assert [item["direction"] for item in manifest["examples"]] == list(Direction.values)
    assert {item["seed"] for item in manifest["examples"]} == {examples.DEFAULT_SEED}
    assert manifest["model_version"]
    assert "public domain" in manifest["source"]["licence"].lower()
    pictures = [manifest["before"], *(item["after"] for item in manifest["examples"])]
    for picture in pictures:
        for kind, fmt in (("jpeg", "JPEG"), ("webp", "WEBP")):
            image = Image.open(made / Path(picture[kind]).name)
            assert image.format == fmt
            assert image.size == (examples.EXAMPLE_SIDE, examples.EXAMPLE_SIDE)


def test_every_direction_changes_the_face(made):
    before = np.asarray(Image.open(made / "astronaut-before.jpg"), dtype=np.float32)
    for direction in Direction.values:
        after = np.asarray(Image.open(made / f"astronaut-{direction}.jpg"), dtype=np.float32)
        assert np.abs(after - before).mean() > 1.0, direction


def test_the_committed_examples_are_what_the_command_makes(made):
    """The pictures on the home page are generated, not edited: rerunning the command with
    the committed seed gives them again (up to JPEG and float noise). After a model change,
    run `python manage.py make_home_examples` and commit static/examples/."""
    committed = json.loads((examples.examples_folder() / "manifest.json").read_text())
    fresh = json.loads((made / "manifest.json").read_text())
    assert committed["model_version"] == fresh["model_version"], "rerun make_home_examples"
    assert committed["seed"] == examples.DEFAULT_SEED
    for item in committed["examples"]:
        name = Path(item["after"]["jpeg"]).name
        kept = np.asarray(Image.open(examples.examples_folder() / name), dtype=np.float32)
        again = np.asarray(Image.open(made / name), dtype=np.float32)
        assert np.abs(kept - again).mean() < 2.0, f"{name}: rerun make_home_examples"


def test_with_if_missing_the_command_keeps_existing_examples(made, capsys):
    stamp = (made / "manifest.json").stat().st_mtime_ns

    call_command("make_home_examples", output=made, if_missing=True)

    assert (made / "manifest.json").stat().st_mtime_ns == stamp
    assert "already" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_home_page_shows_the_pairs_with_captions_and_alt_text(client):
    html = client.get(reverse("home")).content.decode()

    assert "See what it does" in html
    for direction in Direction:
        assert f"examples/astronaut-{direction.value}.jpg" in html
        assert f"examples/astronaut-{direction.value}.webp" in html
        assert f"<h3>{direction.label}</h3>" in html
        assert f'alt="After, {direction.label}: the same portrait translated by LightSB"' in html
    assert html.count("examples/astronaut-before.jpg") == 4
    assert html.count("<figcaption>Before</figcaption>") == 4
    assert html.count("<figcaption>After</figcaption>") == 4
    assert 'alt="Before: the original portrait of astronaut Eileen Collins"' in html
    assert "Eileen Collins" in html


@pytest.mark.django_db
def test_the_home_page_works_without_examples(client, monkeypatch, tmp_path):
    monkeypatch.setattr(examples, "examples_folder", lambda: tmp_path)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "See what it does" not in response.content.decode()


def test_without_scikit_image_the_command_says_what_to_install(monkeypatch, tmp_path):
    def missing():
        raise ModuleNotFoundError("No module named 'skimage'", name="skimage")

    monkeypatch.setattr(examples, "_astronaut", missing)

    with pytest.raises(CommandError, match=r"requirements-dev\.txt"):
        call_command("make_home_examples", output=tmp_path / "out")
    assert not (tmp_path / "out").exists()
