"""The engine's limits: the one definition the Django side reads too (forms, API, schema,
messages). Cheap to import: no torch, no PIL."""

from __future__ import annotations

DIRECTIONS = ("adult_to_child", "child_to_adult", "male_to_female", "female_to_male")
MAX_FACES = 8
MAX_VARIANTS = 8
MAX_JOURNEY_FRAMES = 16
MAX_VARIATION = 2.0
DEFAULT_VARIATION = 1.0
# Decoded photos larger than this are refused; anything up to it is processed at working size.
MAX_INPUT_PIXELS = 50_000_000
# The working size: detection, rendering and the delivered result. A 40-megapixel upload costs
# what an 8-megapixel one does (one job then peaks well under 1.5 GB; bench/job_memory.py).
WORK_MAX_SIDE = 4096
WORK_MAX_PIXELS = 8_000_000
