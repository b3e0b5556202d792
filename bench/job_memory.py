"""Peak memory of one generation job at the largest accepted photo and settings (prints figures).

    .venv/bin/python bench/job_memory.py [--scenario all|largest-photo|most-pictures]

Each scenario runs in a fresh subprocess that does what a job worker does: load the engine
through the Django adapter (``generation.engine.get_engine``), decode the stored JPEG, translate
it and encode every output as JPEG. The child reports its resident memory after the engine
load, its peak (``getrusage`` ``ru_maxrss``) and what it still holds after the job is dropped.

Scenarios, both at the service's caps (``GENERATION_MAX_PIXELS``, ``GENERATION_MAX_JOB_PIXELS``):
- largest-photo: a 40 MP portrait with as many pictures as the job cap allows (5 at 200 MP);
- most-pictures: 8 variants + a 16-frame journey on the largest photo the cap allows for 24.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mib() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # /proc is enough on Linux
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Start the high-water mark afresh (Linux: clear_refs 5), so the peak is the job's own and
    not the bench's set-up (making and encoding the 40 MP test photo)."""
    with contextlib.suppress(OSError):  # not Linux: the peak then includes the set-up
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _settings() -> tuple[int, int, int, int]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lightsb_site.settings")
    import django

    django.setup()
    from django.conf import settings

    from generation.limits import MAX_JOURNEY_FRAMES, MAX_VARIANTS

    return (
        int(settings.GENERATION_MAX_PIXELS),
        int(settings.GENERATION_MAX_JOB_PIXELS),
        MAX_VARIANTS,
        MAX_JOURNEY_FRAMES,
    )


def scenarios() -> dict[str, dict[str, int]]:
    max_pixels, max_job_pixels, max_variants, max_journey = _settings()
    side = math.isqrt(max_pixels)
    pictures = max(1, max_job_pixels // (side * side))
    variants = min(max_variants, pictures)
    journey = pictures - variants if pictures - variants >= 2 else 0
    most = max_variants + max_journey
    most_side = math.isqrt(min(max_pixels, max_job_pixels // most))
    return {
        "largest-photo": {"side": side, "variants": variants, "journey": journey},
        "most-pictures": {"side": most_side, "variants": max_variants, "journey": max_journey},
    }


def child(side: int, variants: int, journey: int) -> None:
    import io

    from PIL import Image
    from skimage import data

    _settings()
    from generation import engine
    from generation.images import encode_jpeg
    from generation.limits import check_job_cost

    check_job_cost(width=side, height=side, variants=variants, journey_frames=journey)
    stored = encode_jpeg(
        Image.fromarray(data.astronaut()).resize((side, side), Image.Resampling.BICUBIC)
    )
    gc.collect()
    engine.get_engine()
    baseline = _rss_mib()
    _reset_peak()

    started = time.perf_counter()
    photo = Image.open(io.BytesIO(stored))  # as the worker does: the engine decodes it
    result = engine.get_engine().translate(
        photo,
        direction="male_to_female",
        variants=variants,
        seed=7,
        strength=1.0,
        face_index=None,
        journey_frames=journey,
        on_progress=None,
    )
    written = sum(len(encode_jpeg(variant.composite)) for variant in result.variants)
    written += sum(len(encode_jpeg(frame)) for frame in result.journey)
    seconds = time.perf_counter() - started
    peak = _peak_mib()
    faces = len(result.faces)
    del result, photo
    engine.release_memory()  # what the worker does after every job
    print(
        json.dumps(
            {
                "megapixels": round(side * side / 1e6, 1),
                "variants": variants,
                "journey": journey,
                "faces": faces,
                "seconds": round(seconds, 1),
                "baseline_mib": round(baseline),
                "peak_mib": round(peak),
                "after_mib": round(_rss_mib()),
                "written_mb": round(written / 1e6, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scenario", choices=["all", "largest-photo", "most-pictures"], default="all"
    )
    parser.add_argument("--child", nargs=3, type=int, metavar=("SIDE", "VARIANTS", "JOURNEY"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    chosen = scenarios()
    if args.scenario != "all":
        chosen = {args.scenario: chosen[args.scenario]}
    print(
        f"{'scenario':<15} {'MP':>5} {'var':>3} {'jour':>4} {'faces':>5} {'s':>6} "
        f"{'engine MiB':>10} {'peak MiB':>9} {'after MiB':>9} {'written MB':>10}"
    )
    for name, spec in chosen.items():
        command = [
            sys.executable,
            __file__,
            "--child",
            str(spec["side"]),
            str(spec["variants"]),
            str(spec["journey"]),
        ]
        completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if completed.returncode != 0:
            print(f"{name}: failed\n{completed.stderr[-2000:]}")
            continue
        row = json.loads(completed.stdout.strip().splitlines()[-1])
        print(
            f"{name:<15} {row['megapixels']:>5} {row['variants']:>3} {row['journey']:>4} "
            f"{row['faces']:>5} {row['seconds']:>6} {row['baseline_mib']:>10} "
            f"{row['peak_mib']:>9} {row['after_mib']:>9} {row['written_mb']:>10}"
        )


if __name__ == "__main__":
    main()
