"""One notion of the client address, used by the throttles, the lockout and the logs.

``X-Forwarded-For`` is believed only when the connection comes from a proxy listed in
``TRUSTED_PROXIES`` (addresses or networks). Then the header is read from the right, skipping
the trusted proxies, and the first address that is not one of them is the client: whatever a
client writes at the left of the header itself is never reached. From anyone else the
forwarding headers are removed before any other code can read them, so neither the client
address nor ``X-Forwarded-Proto`` (the HTTPS marker) can be spoofed by a direct client.

The middleware rewrites ``REMOTE_ADDR`` to the client address (the peer is kept in
``LIGHTSB_PEER_ADDR``); django-axes, the throttles and the login-session records all read
``REMOTE_ADDR``, so they agree by construction.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PEER_META_KEY = "LIGHTSB_PEER_ADDR"
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_REAL_IP")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:8080"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_trusted(address: str, networks: Iterable[Network] | None = None) -> bool:
    parsed = _parse(address)
    if parsed is None:
        return False
    return any(parsed in network for network in (networks or trusted_networks()))


def resolve_client_address(peer: str, forwarded_for: str | None) -> str:
    """The client address of a connection from ``peer`` carrying ``forwarded_for``."""
    networks = trusted_networks()
    if not networks or not is_trusted(peer, networks):
        return peer
    client = peer
    for hop in reversed((forwarded_for or "").split(",")):
        parsed = _parse(hop)
        if parsed is None:
            break  # a malformed entry: nothing left of it can be believed
        client = str(parsed)
        if not any(parsed in network for network in networks):
            break
    return client


def client_address(request: HttpRequest) -> str:
    """The address the throttles, the lockout and the logs attribute this request to."""
    return request.META.get("REMOTE_ADDR") or ""


class ClientAddressMiddleware:
    """First in MIDDLEWARE: settle the client address before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get("REMOTE_ADDR") or ""
        meta[PEER_META_KEY] = peer
        if is_trusted(peer):
            meta["REMOTE_ADDR"] = resolve_client_address(peer, meta.get("HTTP_X_FORWARDED_FOR"))
        else:
            for header in FORWARDING_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
