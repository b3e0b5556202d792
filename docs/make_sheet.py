"""Before/after sheet of the engine: the input, then each direction, close-ups of the face.

    .venv/bin/python docs/make_sheet.py                 # writes docs/engine-sheet.png
    .venv/bin/python docs/make_sheet.py --utkface ../shared/datasets/utkface/images \\
        --out var/utkface-sheet.png                     # unseen UTKFace faces, NOT committed

The committed sheet uses only images the project may publish: the public-domain astronaut
portrait from scikit-image, also recoloured to darker and lighter skin tones (a synthetic stand-in
for different groups; the real per-group figures are in the model card). The UTKFace sheet is
for local inspection only: the data set's license forbids committing its images or derivatives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.ml import DIRECTIONS, load_engine
from generation.ml.colour import lab_to_rgb, rgb_to_lab

TILE = 192
SEED = 7


def recolour(image: Image.Image, lightness_scale: float, yellow: float) -> Image.Image:
    lab = rgb_to_lab(torch.from_numpy(np.asarray(image).astype(np.float32) / 255))
    lab[..., 0] *= lightness_scale
    lab[..., 2] += yellow
    return Image.fromarray(np.rint(lab_to_rgb(lab).numpy() * 255).astype(np.uint8))


def public_rows() -> list[tuple[str, Image.Image]]:
    from skimage import data

    portrait = Image.fromarray(data.astronaut())
    return [
        ("astronaut", portrait),
        ("recoloured darker", recolour(portrait, 0.55, 8.0)),
        ("recoloured lighter", recolour(portrait, 1.1, -3.0)),
    ]


def utkface_rows(folder: Path, count: int) -> list[tuple[str, Image.Image]]:
    from generation.ml import data
    from generation.ml.evaluate import as_photo

    _, held_out = data.list_faces(folder)
    rng = np.random.default_rng(SEED)
    rows = []
    for race in data.RACES[:4]:
        members = [record for record in held_out if record.race == race and not record.child]
        for record in rng.choice(members, min(count, len(members)), replace=False):
            label = f"{race}, {'F' if record.female else 'M'}, {record.age}"
            rows.append((label, Image.fromarray(as_photo(record))))
    return rows


def build(rows: list[tuple[str, Image.Image]]) -> Image.Image:
    engine = load_engine()
    columns = ["input", *DIRECTIONS]
    header = 24
    sheet = Image.new("RGB", (TILE * len(columns), header + TILE * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, name in enumerate(columns):
        draw.text((column * TILE + 4, 6), name, fill="black")
    for row, (label, photo) in enumerate(rows):
        top = header + row * TILE
        tiles = []
        for direction in DIRECTIONS:
            result = engine.translate(
                photo, direction=direction, variants=1, seed=SEED, face_index=0
            )
            if not tiles:
                tiles.append(result.input_crops[0][1])
            tiles.append(result.variants[0].crops[0][1])
        for column, tile in enumerate(tiles):
            sheet.paste(tile.resize((TILE, TILE), Image.Resampling.LANCZOS), (column * TILE, top))
        draw.text((4, top + TILE - 16), label, fill="white")
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--utkface", type=Path, default=None)
    parser.add_argument("--per-group", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("engine-sheet.png"))
    args = parser.parse_args()
    rows = utkface_rows(args.utkface, args.per_group) if args.utkface else public_rows()
    sheet = build(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out} ({sheet.width}x{sheet.height}, {len(rows)} rows)")


if __name__ == "__main__":
    main()
