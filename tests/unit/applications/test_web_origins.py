"""The Origin check: this site (as the request reached it, or its public URL) and no other."""

from __future__ import annotations

import pytest

from webglue import normalise_origin, origin_allowed

HOST = "abc.execute-api.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Example.COM", "https://example.com"),
        ("https://example.com:443", "https://example.com"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("https://example.com/Prod/", "https://example.com"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("null", None),
        ("file:///etc", None),
        ("https://", None),
        ("https://example.com:99999", None),
        ("", None),
    ],
)
def test_origins_are_normalised(value, expected):
    assert normalise_origin(value) == expected


def test_the_requests_own_origin_is_allowed():
    assert origin_allowed(f"https://{HOST}", host=HOST, forwarded_proto="https")


def test_the_sites_public_url_is_allowed():
    assert origin_allowed(
        "https://videos.example.com",
        host=HOST,
        forwarded_proto="https",
        trusted=["https://videos.example.com/"],
    )


def test_without_forwarded_proto_either_scheme_of_the_host_is_allowed():
    assert origin_allowed("http://127.0.0.1:3000", host="127.0.0.1:3000")
    assert origin_allowed("https://127.0.0.1:3000", host="127.0.0.1:3000")


def test_no_origin_header_is_allowed():
    assert origin_allowed(None, host=HOST)


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.com",
        f"http://{HOST}",  # the proxy says https
        f"https://{HOST}.evil.com",
        f"https://{HOST}:8443",
        "null",
        "not a url",
    ],
)
def test_any_other_origin_is_refused(origin):
    assert not origin_allowed(
        origin, host=HOST, forwarded_proto="https", trusted=["https://videos.example.com"]
    )


# -- no Origin: the Referer decides, when there is one ----------------------------------------


@pytest.mark.parametrize(
    "referer",
    [
        f"https://{HOST}/Prod/auth/log-in",
        "https://videos.example.com/register?x=1",
    ],
)
def test_without_origin_a_referer_of_this_site_is_allowed(referer):
    assert origin_allowed(
        None,
        host=HOST,
        forwarded_proto="https",
        trusted=["https://videos.example.com"],
        referer=referer,
    )


@pytest.mark.parametrize(
    "referer",
    [
        "https://evil.com/page",
        f"https://{HOST}.evil.com/",
        f"http://{HOST}/Prod/",  # the proxy says https
        "not a url",
        "file:///etc/passwd",
    ],
)
def test_without_origin_a_foreign_or_unreadable_referer_is_refused(referer):
    assert not origin_allowed(
        None,
        host=HOST,
        forwarded_proto="https",
        trusted=["https://videos.example.com"],
        referer=referer,
    )


def test_without_origin_or_referer_a_request_is_allowed_and_an_empty_referer_is_none():
    assert origin_allowed(None, host=HOST, forwarded_proto="https", referer=None)
    assert origin_allowed(None, host=HOST, forwarded_proto="https", referer="")


def test_an_origin_header_decides_over_the_referer():
    assert not origin_allowed(
        "https://evil.com", host=HOST, forwarded_proto="https", referer=f"https://{HOST}/"
    )
    assert origin_allowed(
        f"https://{HOST}", host=HOST, forwarded_proto="https", referer="https://evil.com/"
    )
