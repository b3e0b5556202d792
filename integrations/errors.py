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


class WebhookRefused(DomainError):
    """A job's ``webhook`` the server will not call; ``code`` says why (400, field ``webhook``):
    ``webhook_url_invalid``, ``webhook_address_refused`` or ``webhook_secret_missing``."""

    code = "webhook_url_invalid"
    status = 400
    message = "The webhook URL cannot be used."

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code, fields={"webhook": [message]})


class WebhookDeliveryNotRedeliverable(DomainError):
    code = "webhook_delivery_pending"
    status = 409
    message = "This delivery is still being attempted; wait for it to end before sending it again."


class WebhookFilterInvalid(DomainError):
    code = "invalid_filter"
    status = 400
    message = "The generation filter must be a job id (a UUID)."
