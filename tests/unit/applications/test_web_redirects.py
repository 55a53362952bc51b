"""``next`` goes to local paths only: every open-redirect trick falls back to the default."""

from __future__ import annotations

import pytest

from webglue import location_header, safe_next_path


@pytest.mark.parametrize(
    "value",
    ["/", "/creators-portal", "/videos/42?tab=comments#top", "/a/b/c", "/ünïcode"],
)
def test_local_paths_are_kept(value):
    assert safe_next_path(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "//evil.com",
        "///evil.com",
        "https://evil.com",
        "http://evil.com/path",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
        "evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_goes_to_the_default(value):
    assert safe_next_path(value) == "/"
    assert safe_next_path(value, default="") == ""


def test_a_location_header_is_ascii():
    assert location_header("/ünïcode?q=é") == "/%C3%BCn%C3%AFcode?q=%C3%A9"
    assert location_header("/a b") == "/a%20b"
