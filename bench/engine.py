"""Per-stage timings of the engine on 1-megapixel photos, 4 variants (prints medians).

Wall times depend on what else the machine runs; the CPU time of the job (all its threads,
from the process's own clock) does much less, so both are printed, with the load average.

    .venv/bin/python bench/engine.py [--runs 15] [--variants 4] [--threads 1]

Photos are the public-domain astronaut portrait on a 1155x866 canvas at three face sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = (
    "decode",
    "detect",
    "align",
    "encode",
    "transport",
    "decode_latent",
    "composite",
    "total",
)


def photos():
    from PIL import Image
    from skimage import data

    portrait = Image.fromarray(data.astronaut())
    for side in (866, 640, 480):
        canvas = Image.new("RGB", (1155, 866), (235, 235, 240))
        canvas.paste(portrait.resize((side, side), Image.Resampling.LANCZOS), (100, 866 - side))
        yield canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--variants", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        os.environ["LIGHTSB_TORCH_THREADS"] = str(args.threads)

    started = time.perf_counter()
    from generation.ml import load_engine

    engine = load_engine()
    print(
        f"cold load (imports + weights): {time.perf_counter() - started:.2f} s; "
        f"engine load {engine.info()['load_seconds']:.2f} s; "
        f"torch threads {engine.info()['torch_threads']}; device {engine.info()['device']}"
    )
    images = list(photos())
    engine.translate(images[0], direction="adult_to_child", variants=args.variants, seed=0)  # warm
    samples: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "cpu")}
    directions = ("adult_to_child", "child_to_adult", "male_to_female", "female_to_male")
    for run in range(args.runs):
        image = images[run % len(images)]
        cpu_started = time.process_time()
        result = engine.translate(
            image, direction=directions[run % 4], variants=args.variants, seed=run
        )
        samples["cpu"].append((time.process_time() - cpu_started) * 1000)
        for stage in STAGES:
            samples[stage].append(result.timings[stage] * 1000)
    print(f"{args.runs} runs, 1155x866 photos (1.0 MP), {args.variants} variants, ms:")
    print(f"{'stage':<15}{'p50':>8}{'p90':>8}")
    for stage in samples:
        values = sorted(samples[stage])
        p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
        print(f"{stage:<15}{statistics.median(values):>8.1f}{p90:>8.1f}")
    print(f"stage 'cpu' is the process's CPU time per job; load average {os.getloadavg()[0]:.1f}")
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory: {peak:.0f} MB")
    except ImportError:  # pragma: no cover - not on Linux
        pass


if __name__ == "__main__":
    main()
