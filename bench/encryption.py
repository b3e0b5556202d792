"""Print what encryption at rest costs per result served (median over many reads).

Stores one result-sized JPEG (1024x1024, quality 92) encrypted, as the app does, then times
serving it: a plain read of the stored bytes versus ``storage.read`` (key lookup, unwrap and
AES-GCM decrypt). Runs on a throwaway SQLite file and media folder:

    .venv/bin/python bench/encryption.py [rounds]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="lightsb-bench-")
os.environ["SQLITE_PATH"] = os.path.join(workdir, "bench.sqlite3")
os.environ["LIGHTSB_VAR_DIR"] = workdir
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lightsb_site.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402


def median_ms(function, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    settings.MEDIA_ROOT = os.path.join(workdir, "media")
    call_command("migrate", verbosity=0)
    from accounts.models import User
    from generation import storage
    from generation.images import encode_jpeg

    owner = User.objects.create_user(username="bench", email="b@example.com", password="x" * 20)
    pixels = np.random.default_rng(0).integers(0, 255, (1024, 1024, 3), dtype=np.uint8)
    jpeg = encode_jpeg(Image.fromarray(pixels).resize((1024, 1024)))
    name = storage.store(owner_id=owner.pk, generation_id=uuid.uuid4(), kind="result", data=jpeg)

    def plain() -> None:
        with default_storage.open(name, "rb") as handle:
            handle.read()

    plain_ms = median_ms(plain, rounds)
    decrypted_ms = median_ms(lambda: storage.read(name), rounds)
    print(f"result JPEG: {len(jpeg) / 1024:.0f} KiB, {rounds} reads each (median)")
    print(f"plain read:               {plain_ms:.3f} ms")
    print(f"read + unwrap + decrypt:  {decrypted_ms:.3f} ms")
    print(f"cost per result served:   {decrypted_ms - plain_ms:.3f} ms")


if __name__ == "__main__":
    main()
