"""The generation tests each store their files in a private folder (see the root conftest)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_media(media_root):
    return media_root
