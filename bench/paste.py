"""Pasting into a huge photo: how long the "Pasting into your photo" stage takes, and how long
the bar stands still in it (prints medians).

    .venv/bin/python bench/paste.py [--runs 5] [--variants 4] [--journey 8]

The photo is the public-domain astronaut portrait upscaled to 4000 px on a 6000x4000 canvas,
as a JPEG (the engine decodes it at its working size, 8 megapixels). Printed per run:

- ``pasting``: the engine's composite stage (every variant rendered into the photo, its face
  close-ups cut, the journey frames rendered);
- ``longest still``: the longest gap between two progress reports during that stage (what the
  person watches without the bar moving);
- ``saving``: encoding each composite as the JPEG that is stored, plus the thumbnail.

Each figure is printed as wall time and as the process's CPU time: on a busy machine the wall
time grows with the load, the CPU time (torch runs one thread per worker) much less.
"""

from __future__ import annotations

import argparse
import functools
import io
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def huge_photo() -> bytes:
    from PIL import Image
    from skimage import data

    portrait = Image.fromarray(data.astronaut()).resize((4000, 4000), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (6000, 4000), (200, 200, 210))
    canvas.paste(portrait, (1000, 0))
    buffer = io.BytesIO()
    canvas.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _note(reports: list[tuple[str, float, float]], stage: str, percent: int) -> None:
    reports.append((stage, time.perf_counter(), time.process_time()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variants", type=int, default=4)
    parser.add_argument("--journey", type=int, default=8)
    args = parser.parse_args()

    from PIL import Image

    from generation.images import encode_jpeg, make_thumbnail
    from generation.ml import load_engine

    engine = load_engine()
    photo = huge_photo()
    samples: dict[str, list[tuple[float, float]]] = {
        "pasting": [],
        "longest still": [],
        "saving": [],
    }
    size = (0, 0)
    for run in range(args.runs + 1):  # the first run warms up and is not counted
        reports: list[tuple[str, float, float]] = []
        note = functools.partial(_note, reports)

        result = engine.translate(
            Image.open(io.BytesIO(photo)),
            direction="adult_to_child",
            variants=args.variants,
            seed=run,
            journey_frames=args.journey,
            on_progress=note,
        )
        pasting = [(wall, cpu) for stage, wall, cpu in reports if stage in ("composite", "done")]
        started, cpu_started = time.perf_counter(), time.process_time()
        for variant in result.variants:
            encode_jpeg(variant.composite)
        make_thumbnail(result.variants[0].composite)
        saving = (time.perf_counter() - started, time.process_time() - cpu_started)
        if run == 0:
            size = result.variants[0].composite.size
            continue
        gaps = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(pasting)]
        samples["pasting"].append((pasting[-1][0] - pasting[0][0], pasting[-1][1] - pasting[0][1]))
        samples["longest still"].append(max(gaps))
        samples["saving"].append(saving)
    print(
        f"6000x4000 JPEG ({len(photo) / 1e6:.1f} MB), worked at {size[0]}x{size[1]}, "
        f"{args.variants} variants, {args.journey} journey frames, {args.runs} runs"
    )
    print(f"{'':<15}{'wall p50':>10}{'cpu p50':>10}")
    for name, values in samples.items():
        wall = statistics.median(value[0] for value in values)
        cpu = statistics.median(value[1] for value in values)
        print(f"{name:<15}{wall:>9.2f}s{cpu:>9.2f}s")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
