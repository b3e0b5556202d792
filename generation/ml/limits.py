"""The engine's limits, in one cheap module (no torch, no PIL): the Django side, forms, API,
schema and messages read them from here."""

from __future__ import annotations

MAX_FACES = 8
MAX_VARIANTS = 8
MAX_JOURNEY_FRAMES = 16
MAX_VARIATION = 2.0
# Decoded photos larger than this are refused; anything up to it is processed at working size.
MAX_INPUT_PIXELS = 50_000_000
# The working size: detection, rendering and the delivered result. A 40-megapixel upload costs
# what a 12-megapixel one does.
WORK_MAX_SIDE = 4096
WORK_MAX_PIXELS = 12_000_000
