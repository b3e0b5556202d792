from __future__ import annotations

import pytest
from django.test import RequestFactory

from lightsb_site.client_address import ClientAddressMiddleware, resolve_client_address
from lightsb_site.rate_limit import Rate, parse_rate


@pytest.fixture
def proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]


def through_middleware(**meta):
    request = RequestFactory().get("/", **meta)
    seen = {}

    def view(request):
        seen.update(request.META)
        return None

    ClientAddressMiddleware(view)(request)
    return seen


def test_without_trusted_proxies_the_peer_is_the_client_and_forwarding_headers_are_dropped():
    meta = through_middleware(
        REMOTE_ADDR="198.51.100.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert meta["REMOTE_ADDR"] == "198.51.100.1"
    assert "HTTP_X_FORWARDED_FOR" not in meta
    assert "HTTP_X_FORWARDED_PROTO" not in meta


def test_a_client_next_to_a_trusted_proxy_cannot_forward_headers(proxies):
    meta = through_middleware(
        REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https"
    )

    assert meta["REMOTE_ADDR"] == "198.51.100.1"
    assert "HTTP_X_FORWARDED_PROTO" not in meta


def test_a_trusted_proxy_keeps_its_headers_and_names_the_client(proxies):
    meta = through_middleware(
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert meta["REMOTE_ADDR"] == "203.0.113.9"
    assert meta["LIGHTSB_PEER_ADDR"] == "10.1.2.3"
    assert meta["HTTP_X_FORWARDED_PROTO"] == "https"


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("203.0.113.9, 10.0.0.7", "203.0.113.9"),  # two proxies in a row
        ("forged, 203.0.113.9", "203.0.113.9"),  # whatever the client wrote is never reached
        ("203.0.113.9, garbage", "10.9.9.9"),  # a malformed hop: believe nothing left of it
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("203.0.113.9:51234", "203.0.113.9"),
        ("", "10.9.9.9"),
        ("10.0.0.1, 127.0.0.1", "10.0.0.1"),  # only proxies: the farthest one
    ],
)
def test_x_forwarded_for_is_read_from_the_right(proxies, forwarded_for, client):
    assert resolve_client_address("10.9.9.9", forwarded_for) == client


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("20/hour", Rate(20, 3600)),
        ("60/min", Rate(60, 60)),
        ("5/15m", Rate(5, 900)),
        ("1/d", Rate(1, 86_400)),
        ("3/s", Rate(3, 1)),
    ],
)
def test_rates_are_parsed_with_an_optional_window_multiple(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "twenty/hour", "5/fortnight", "5"])
def test_a_malformed_rate_is_refused(text):
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate(text)
