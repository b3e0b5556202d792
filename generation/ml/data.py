"""UTKFace file listing, labels and the fixed train/held-out split.

The split depends only on a hash of the file name, so it is the same on every machine and never
changes when files are added.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHILD_AGE = 18
HELD_OUT_PER_MILLE = 100  # 10 % of the faces are never trained on
RACES = ("white", "black", "asian", "indian", "other")
# UTKFace chips are 200x200, aligned by the authors, the face filling the chip; the codec sees
# the whole chip.
CHIP_SIZE = 200
CHIP_CROP_BOX = (0, 0, 200, 200)


@dataclass(frozen=True)
class FaceRecord:
    path: Path
    age: int
    female: bool
    race: str | None

    @property
    def child(self) -> bool:
        return self.age < CHILD_AGE


def parse_name(path: Path) -> FaceRecord | None:
    """Labels from ``[age]_[gender]_[race]_[date].jpg.chip.jpg``; None when unparseable."""
    parts = path.name.split("_")
    try:
        age = int(parts[0])
        gender = int(parts[1])
    except (IndexError, ValueError):
        return None
    race = None
    if len(parts) >= 4 and parts[2].isdigit() and int(parts[2]) < len(RACES):
        race = RACES[int(parts[2])]
    if gender not in (0, 1):
        return None
    return FaceRecord(path=path, age=age, female=gender == 1, race=race)


def is_held_out(name: str) -> bool:
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big") % 1000 < HELD_OUT_PER_MILLE


def list_faces(data_dir: Path) -> tuple[list[FaceRecord], list[FaceRecord]]:
    """(training, held_out) records, each sorted by file name."""
    files = sorted(p for p in Path(data_dir).iterdir() if p.suffix.lower() in {".jpg", ".png"})
    train, held_out = [], []
    for path in files:
        record = parse_name(path)
        if record is None:
            continue
        (held_out if is_held_out(path.name) else train).append(record)
    return train, held_out


def load_chip(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if rgb.size != (CHIP_SIZE, CHIP_SIZE):
            rgb = rgb.resize((CHIP_SIZE, CHIP_SIZE), Image.Resampling.BICUBIC)
        return np.asarray(rgb)


def load_crop(path: Path, resolution: int) -> np.ndarray:
    """The codec's view of a chip: its central square at ``resolution`` px, uint8 RGB."""
    from PIL import Image

    chip = Image.fromarray(load_chip(path))
    return np.asarray(
        chip.resize((resolution, resolution), Image.Resampling.BICUBIC, CHIP_CROP_BOX)
    )
