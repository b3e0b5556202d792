"""Blind review: contact sheets a person judges without knowing which faces were edited.

``python -m generation.ml review-sheet --data DIR --out DIR`` writes, per direction, a sheet of
numbered tiles: unseen faces translated by the engine mixed with real unseen faces of the
target group, shuffled with a fixed seed, plus ``key.json`` (which tile is which; not for the
reviewer). The reviewer answers, per sheet, which tiles look edited and which look like the
target group (a child, a woman, a man...). ``review-score`` turns the answers into figures:
the share of edited outputs judged a real photo of the target group, and how often real photos
were taken for edits (the reviewer's own false-alarm rate, for calibration).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from . import data
from .engine import load_engine
from .errors import EngineError
from .train import direction_groups

TILE = 200
COLUMNS = 4
SEED = 2024
TARGET_WORDS = {
    "adult_to_child": "a child (under about 12)",
    "child_to_adult": "an adult",
    "male_to_female": "a woman",
    "female_to_male": "a man",
}


def make_sheets(
    data_dir: Path,
    out_dir: Path,
    *,
    edited: int = 8,
    real: int = 4,
    weights_dir: Path | None = None,
) -> dict:
    """Write one sheet per direction and the key; return the key."""
    engine = load_engine(weights_dir)
    _, held_out = data.list_faces(Path(data_dir))
    rng = np.random.default_rng(SEED)
    out_dir.mkdir(parents=True, exist_ok=True)
    key: dict[str, dict] = {}
    for direction, (source_rows, target_rows) in direction_groups(held_out).items():
        tiles: list[tuple[Image.Image, bool, str]] = []
        for row in rng.permutation(source_rows):
            if sum(1 for _, was_edited, _ in tiles if was_edited) >= edited:
                break
            record = held_out[row]
            photo = Image.fromarray(data.load_chip(record.path)).resize(
                (2 * data.CHIP_SIZE, 2 * data.CHIP_SIZE), Image.Resampling.BICUBIC
            )
            try:
                result = engine.translate(photo, direction=direction, variants=1, seed=SEED)
            except EngineError:  # a face the detector misses is skipped, not scored
                continue
            tile = result.variants[0].composite.resize((TILE, TILE), Image.Resampling.LANCZOS)
            tiles.append((tile, True, record.path.name))
        for row in rng.choice(target_rows, real, replace=False):
            record = held_out[row]
            tile = Image.fromarray(data.load_chip(record.path)).resize((TILE, TILE))
            tiles.append((tile, False, record.path.name))
        order = rng.permutation(len(tiles))
        sheet = _sheet([tiles[i][0] for i in order])
        sheet.save(out_dir / f"{direction}.png")
        key[direction] = {
            "target": TARGET_WORDS[direction],
            "tiles": {
                str(number + 1): {"edited": tiles[i][1], "source": tiles[i][2]}
                for number, i in enumerate(order)
            },
        }
    (out_dir / "key.json").write_text(json.dumps(key, indent=2) + "\n")
    return key


def _sheet(tiles: list[Image.Image]) -> Image.Image:
    rows = (len(tiles) + COLUMNS - 1) // COLUMNS
    sheet = Image.new("RGB", (COLUMNS * (TILE + 6), rows * (TILE + 6)), "white")
    draw = ImageDraw.Draw(sheet)
    for number, tile in enumerate(tiles):
        x = (number % COLUMNS) * (TILE + 6) + 3
        y = (number // COLUMNS) * (TILE + 6) + 3
        sheet.paste(tile, (x, y))
        draw.rectangle((x, y, x + 26, y + 16), fill="black")
        draw.text((x + 4, y + 3), str(number + 1), fill="white")
    return sheet


def score(key: dict, answers: dict) -> dict:
    """Figures per direction from the reviewer's answers.

    ``answers[direction]`` has ``edited`` (tile numbers judged edited) and ``target`` (tile
    numbers judged to show the target group).
    """
    figures = {}
    for direction, entry in key.items():
        answer = answers.get(direction, {})
        judged_edited = {str(n) for n in answer.get("edited", [])}
        judged_target = {str(n) for n in answer.get("target", [])}
        edited = [n for n, tile in entry["tiles"].items() if tile["edited"]]
        real = [n for n, tile in entry["tiles"].items() if not tile["edited"]]
        passed = [n for n in edited if n not in judged_edited and n in judged_target]
        figures[direction] = {
            "edited_tiles": len(edited),
            "judged_real_and_target": len(passed) / max(len(edited), 1),
            "judged_target": sum(n in judged_target for n in edited) / max(len(edited), 1),
            "spotted_as_edited": sum(n in judged_edited for n in edited) / max(len(edited), 1),
            "real_taken_for_edited": sum(n in judged_edited for n in real) / max(len(real), 1),
        }
    return figures
