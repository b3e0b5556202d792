"""The command line: what it writes and how it fails."""

from __future__ import annotations

import subprocess
import sys

from PIL import Image
from skimage import data as skimage_data

from generation.ml.cli import main


def test_translate_writes_composites_crops_and_journey_frames(tmp_path, capsys):
    photo = tmp_path / "portrait.jpg"
    Image.fromarray(skimage_data.astronaut()).save(photo)
    out = tmp_path / "out"
    code = main(
        [
            "translate",
            str(photo),
            "--direction",
            "male_to_female",
            "--variants",
            "2",
            "--seed",
            "7",
            "--strength",
            "1.0",
            "--journey",
            "3",
            "--animation",
            "--variation",
            "1.5",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    names = {path.name for path in out.iterdir()}
    assert {
        "variant0.png",
        "variant1.png",
        "face0_input.png",
        "face0_variant0.png",
        "face0_variant1.png",
        "journey00.png",
        "journey02.png",
        "journey.webp",
    } <= names
    assert Image.open(out / "variant0.png").size == (512, 512)
    printed = capsys.readouterr().out
    assert "1 face(s), male_to_female, 2 variant(s), seed 7" in printed
    assert "estimate {'child':" in printed


def test_info_prints_the_bundled_model(capsys):
    assert main(["info"]) == 0
    assert "resolution: 128" in capsys.readouterr().out


def test_unreadable_missing_and_faceless_images_exit_non_zero_with_one_line(tmp_path, capsys):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg at all")
    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 300), "white").save(blank)
    small = tmp_path / "small.png"
    Image.fromarray(skimage_data.astronaut()).resize((200, 200)).save(small)
    expectations = {
        broken: "couldn't read",
        tmp_path / "missing.jpg": "No such file",
        blank: "couldn't find a face",
        small: "too small",
    }
    for path, message in expectations.items():
        code = main(
            [
                "translate",
                str(path),
                "--direction",
                "adult_to_child",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        error = capsys.readouterr().err
        assert code == 2
        assert message in error
        assert error.count("\n") == 1 and "Traceback" not in error


def test_the_module_runs_as_a_program_and_reports_errors_without_a_traceback(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG junk")
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "generation.ml",
            "translate",
            str(broken),
            "--direction",
            "adult_to_child",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 2
    assert finished.stderr.startswith("error: ")
    assert "Traceback" not in finished.stderr
