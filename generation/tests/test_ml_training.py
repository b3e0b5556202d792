"""Training and evaluation on a tiny synthetic data set made from the astronaut portrait.

The real training data (../shared) is not part of a clone, so these tests build UTKFace-style
chips (file names carry the labels) from a public-domain image and run the same code paths.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageEnhance
from skimage import data as skimage_data

from generation.ml import data, load_engine
from generation.ml.cli import main

TINY_SETTINGS = {
    "shape_components": 8,
    "luma_components": 24,
    "chroma_components": 8,
    "texture_samples": 60,
    "transport_luma": 12,
    "transport_chroma": 4,
    "potentials": 3,
    "lightsb_steps": 60,
}
CHIP_BOX = (172, 77, 276, 181)  # the astronaut's face filling the chip, as in UTKFace


def make_chip(rng: np.random.Generator) -> Image.Image:
    portrait = Image.fromarray(skimage_data.astronaut())
    dx, dy = rng.integers(-4, 5, size=2)
    box = (CHIP_BOX[0] + dx, CHIP_BOX[1] + dy, CHIP_BOX[2] + dx, CHIP_BOX[3] + dy)
    chip = portrait.resize((200, 200), Image.Resampling.BICUBIC, box)
    chip = ImageEnhance.Brightness(chip).enhance(float(rng.uniform(0.7, 1.3)))
    return chip.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else chip


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faces")
    rng = np.random.default_rng(0)
    held_out_kinds: dict[tuple[bool, int], int] = {}
    train_count = 0
    index = 0
    while (
        train_count < 70
        or min(held_out_kinds.get(k, 0) for k in [(c, g) for c in (True, False) for g in (0, 1)])
        < 2
    ):
        child = index % 2 == 0
        gender = (index // 2) % 2
        name = f"{4 if child else 30}_{gender}_{index % 5}_2017{index:08d}.jpg.chip.jpg"
        index += 1
        if data.is_held_out(name):
            if held_out_kinds.get((child, gender), 0) >= 2:
                continue
            held_out_kinds[(child, gender)] = held_out_kinds.get((child, gender), 0) + 1
        else:
            if train_count >= 70:
                continue
            train_count += 1
        make_chip(rng).save(folder / name, quality=92)
    return folder


@pytest.fixture(scope="module")
def trained(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("weights")
    code = main(
        [
            "train",
            "--data",
            str(dataset),
            "--out",
            str(out),
            "--settings",
            json.dumps(TINY_SETTINGS),
        ]
    )
    assert code == 0
    return out


def test_training_writes_loadable_weights_and_a_report(trained):
    assert {path.name for path in trained.iterdir()} == {
        "space.safetensors",
        "lightsb.safetensors",
        "engine.json",
        "training_report.json",
    }
    report = json.loads((trained / "training_report.json").read_text())
    assert report["training_faces"] == 70
    assert report["faces_used"] > 60  # a few poor landmark fits may be dropped
    assert set(report["lightsb"]) == {
        "adult_to_child",
        "child_to_adult",
        "male_to_female",
        "female_to_male",
    }
    engine = load_engine(trained)
    assert engine.info()["latent_dim"] == 8 + 12 + 4
    result = engine.translate(
        Image.fromarray(skimage_data.astronaut()), direction="adult_to_child", variants=2, seed=1
    )
    assert len(result.variants) == 2


def test_training_is_deterministic(dataset, trained, tmp_path):
    assert (
        main(
            [
                "train",
                "--data",
                str(dataset),
                "--out",
                str(tmp_path),
                "--settings",
                json.dumps(TINY_SETTINGS),
            ]
        )
        == 0
    )
    for name in ("space.safetensors", "lightsb.safetensors"):
        assert (tmp_path / name).read_bytes() == (trained / name).read_bytes()


def test_training_on_a_folder_without_faces_fails_with_a_message(tmp_path, capsys):
    Image.new("RGB", (200, 200), "grey").save(tmp_path / "30_0_0_2017.jpg.chip.jpg")
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "w")]) == 1
    assert "too few training faces" in capsys.readouterr().err


def test_evaluation_reports_every_direction_and_fidelity_groups(dataset, trained, tmp_path):
    out = tmp_path / "eval.md"
    code = main(
        [
            "evaluate",
            "--data",
            str(dataset),
            "--weights",
            str(trained),
            "--faces",
            "2",
            "--variants",
            "2",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = out.read_text()
    for direction in ("adult_to_child", "child_to_adult", "male_to_female", "female_to_male"):
        assert f"| {direction} |" in table
    report = json.loads(out.with_suffix(".json").read_text())
    figures = report["directions"]["adult_to_child"]
    assert figures["outputs"] == 4
    assert 0 <= figures["target_rate"] <= 1
    assert figures["redetection"] > 0.5
    assert figures["changed_outside_max"] == 0
    assert "all" in report["fidelity_groups"]


def test_unknown_training_settings_are_refused(dataset, tmp_path, capsys):
    code = main(
        ["train", "--data", str(dataset), "--out", str(tmp_path), "--settings", '{"lumaa": 3}']
    )
    assert code == 1
    assert "unknown training settings: lumaa" in capsys.readouterr().err


def test_review_sheets_mix_edited_and_real_faces_and_score_answers(dataset, trained, tmp_path):
    out = tmp_path / "review"
    code = main(
        [
            "review-sheet",
            "--data",
            str(dataset),
            "--weights",
            str(trained),
            "--out",
            str(out),
            "--edited",
            "1",
            "--real",
            "1",
        ]
    )
    assert code == 0
    key = json.loads((out / "key.json").read_text())
    assert set(key) == {"adult_to_child", "child_to_adult", "male_to_female", "female_to_male"}
    tiles = key["adult_to_child"]["tiles"]
    assert sorted(tile["edited"] for tile in tiles.values()) == [False, True]
    assert Image.open(out / "adult_to_child.png").size[0] > 0
    edited = next(number for number, tile in tiles.items() if tile["edited"])
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"adult_to_child": {"edited": [], "target": [int(edited)]}}))
    assert main(["review-score", "--key", str(out / "key.json"), "--answers", str(answers)]) == 0
