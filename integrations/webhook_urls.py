"""Which webhook URLs the server may call: the SSRF guard. Imports nothing from Django.

A URL is checked twice: when a job is created (so a bad URL is a 400 at once) and again right
before each delivery attempt, whose connection then goes to the very address that was checked
(so a name that resolved to a public address at creation cannot be re-pointed at 127.0.0.1 or
169.254.169.254 later: DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_WEBHOOK_URL_LENGTH = 2000

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class WebhookUrlInvalid(ValueError):
    """Not a URL the server will call (syntax, scheme, credentials, unknown host)."""

    code = "webhook_url_invalid"


class WebhookAddressRefused(ValueError):
    """The host resolves to an address the server refuses to call (private, loopback ...)."""

    code = "webhook_address_refused"


@dataclass(frozen=True)
class WebhookTarget:
    """A checked URL: where to connect (``address``) and what to ask for there."""

    scheme: str
    host: str
    port: int
    address: str
    path: str  # with the query string

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refusal(address: IpAddress, *, allow_loopback: bool) -> str | None:
    """Why the server must not connect to ``address``, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def _parse(url: str, *, allow_loopback: bool) -> tuple[str, str, int, str]:
    """Scheme, host, port and path of a URL the server may call, or ``WebhookUrlInvalid``."""
    if not url or len(url) > MAX_WEBHOOK_URL_LENGTH or not url.isprintable() or " " in url:
        raise WebhookUrlInvalid(
            f"The webhook must be an https URL of at most {MAX_WEBHOOK_URL_LENGTH} characters."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise WebhookUrlInvalid(f"The webhook URL cannot be read: {error}.") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_loopback):
        raise WebhookUrlInvalid("The webhook URL must start with https://.")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlInvalid(
            "The webhook URL must not carry a user name or password; check the signature instead."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise WebhookUrlInvalid("The webhook URL has no host name.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def check_webhook_url(
    url: str, *, allow_loopback: bool, resolver: Resolver | None = None
) -> WebhookTarget:
    """The target to POST to, or ``WebhookUrlInvalid`` / ``WebhookAddressRefused``.

    https only, except http to a loopback address when ``allow_loopback`` (development and
    tests). Every address the host resolves to must be public (one bad address refuses the
    whole name: the client could otherwise be steered to it); the first is the one to use.
    """
    scheme, host, port, path = _parse(url, allow_loopback=allow_loopback)
    try:
        resolved = (resolver or resolve_host)(host, port)
        addresses = [ipaddress.ip_address(item.split("%", 1)[0]) for item in resolved]
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        raise WebhookUrlInvalid(f"The webhook host {host!r} does not resolve.")
    for address in addresses:
        reason = _refusal(address, allow_loopback=allow_loopback)
        if reason:
            raise WebhookAddressRefused(
                f"The webhook host {host!r} resolves to {reason} ({address}); "
                "webhooks go to public addresses only."
            )
    if scheme == "http" and not all(address.is_loopback for address in addresses):
        raise WebhookUrlInvalid("Plain http is accepted for loopback addresses only; use https.")
    return WebhookTarget(scheme=scheme, host=host, port=port, address=str(addresses[0]), path=path)
