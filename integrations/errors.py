"""Domain errors of the integrations app, each with a stable ``code``."""

from __future__ import annotations

from lightsb_site.api_errors import DomainError


class ApiKeyLimitReached(DomainError):
    code = "api_key_limit_reached"
    status = 429
    message = "This API key has reached its daily limit of generations."


class TooManyApiKeys(DomainError):
    code = "too_many_api_keys"
    status = 409
    message = "You have too many active API keys; revoke one first."
