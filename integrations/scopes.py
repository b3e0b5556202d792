"""API key scopes and which one each HTTP method of an API view needs. Imports nothing, so the
generation and stats API modules can declare their scopes without an import cycle."""

from __future__ import annotations

GENERATE = "generate"
READ = "read"
DELETE = "delete"
ALL_SCOPES = (GENERATE, READ, DELETE)

# A view declares ``api_key_scopes``: method -> scope. A view without it refuses API keys
# (account, key management and session endpoints stay JWT only).
READ_ONLY = {"GET": READ, "HEAD": READ, "OPTIONS": READ}
READ_AND_DELETE = {**READ_ONLY, "DELETE": DELETE}
GENERATE_ONLY = {"POST": GENERATE}
