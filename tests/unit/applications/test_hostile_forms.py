"""Hostile input, by hand: every POST route of every application (the list is checked
against the OpenAPI documents) sent nasty forms — huge, malformed percent-escapes, invalid
UTF-8, repeated fields, odd content types, the base64 flag wrong, tampered, expired and
garbage session and ``written`` cookies, and requests from other sites (a foreign or ``null``
Origin, no Origin but a foreign Referer). Every answer: no 5xx; a refusal is a page with a
message and writes nothing (``tests.support.hostile.check_answer``); the screening's
refusals have their exact status."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.applications import FixedClock, a_site, header, session_cookie
from tests.support.factories import API_ORIGIN
from tests.support.hostile import (
    ADMIN_EMAIL,
    APPLICATIONS,
    PASSWORD,
    USER_ID,
    VIDEO_ID,
    Site,
    check_answer,
    raw_event,
    refusal_message,
)
from webglue import Written

ROOT = Path(__file__).resolve().parents[3]
FORM = "application/x-www-form-urlencoded"
NEW_USER = "0c3b2a19-8f7e-4d6c-9b5a-493827161504"

#: every POST route, with a form that it accepts (so that only the nastiness is wrong)
POSTS = [
    ("home", f"/record-viewing/{VIDEO_ID}", {}),
    (
        "register_users",
        "/register",
        {"id": NEW_USER, "email": "new@example.com", "password": PASSWORD},
    ),
    ("authenticate", "/auth/log-in", {"email": ADMIN_EMAIL, "password": PASSWORD}),
    ("authenticate", "/auth/log-out", {}),
    (
        "creators_portal",
        "/creators-portal/publish-video",
        {
            "videoId": VIDEO_ID,
            "sourceUri": f"s3://videos-bucket/uploads/{USER_ID}/{VIDEO_ID}/source",
        },
    ),
    ("creators_portal", f"/creators-portal/videos/{VIDEO_ID}/name", {"name": "A name"}),
    ("creators_portal", f"/creators-portal/videos/{VIDEO_ID}/describe", {"description": "Words"}),
    ("admin", "/admin/consumers/home-page/redrive", {}),
]
IDS = [f"{app}:{path}" for app, path, _ in POSTS]


def documented_posts() -> set[tuple[str, str]]:
    found = set()
    for app in APPLICATIONS:
        document = json.loads((ROOT / "docs" / "openapi" / f"{app}.json").read_text())
        found |= {(app, path) for path, item in document["paths"].items() if "post" in item}
    return found


def as_template(path: str) -> str:
    """The documented path of a hand-list path (its ids back to their parameters)."""
    return path.replace(VIDEO_ID, "{videoId}").replace("/home-page/", "/{name}/")


def test_every_post_route_is_in_the_hand_list():
    assert {(app, as_template(path)) for app, path, _ in POSTS} == documented_posts()


@pytest.fixture
def site() -> Site:
    return Site()


def post(
    site: Site,
    app: str,
    path: str,
    *,
    body: bytes | str | None = None,
    content_type: str | None = FORM,
    headers: dict[str, str] | None = None,
    cookie: str | None = "session",
    origin: str | None = API_ORIGIN,
    base64_flag: bool | None = None,
) -> dict:
    """A POST as a browser on this site sends it, logged in, unless told otherwise."""
    sent = dict(headers or {})
    if content_type:
        sent["Content-Type"] = content_type
    if origin:
        sent["Origin"] = origin
    if cookie == "session":
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in site.session().items())
    elif cookie:
        sent["Cookie"] = cookie
    event = raw_event("POST", f"https://h{path}", headers=sent, body=body)
    if base64_flag is not None:
        event["isBase64Encoded"] = base64_flag
    return site.send(app, event)


def test_the_hand_list_forms_are_accepted_as_they_are(site):
    """The control: without the nastiness each form does what it is for (no 4xx)."""
    for app, path, form in POSTS:
        response = post(site, app, path, body=urlencode(form))

        assert response["statusCode"] < 400, (app, path, refusal_message(response["body"]))


# -- size, encodings, fields, types -------------------------------------------------------------


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
@pytest.mark.parametrize("size", [17 * 1024, 1024 * 1024])
def test_a_huge_body_is_413(site, app, path, form, size):
    body = urlencode({**form, "padding": "x" * size})

    assert post(site, app, path, body=body)["statusCode"] == 413
    assert post(site, app, path, body=body.encode(), base64_flag=True)["statusCode"] in (400, 413)


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
@pytest.mark.parametrize(
    "suffix",
    ["%", "%z", "%zz", "%E0%A4%A", "%ff%fe", "%C0%AF", "%ED%A0%80", "x=%00%0D%0A"],
    ids=[
        "lone-percent",
        "one-bad-hex",
        "bad-hex",
        "truncated-utf8",
        "not-utf8",
        "overlong",
        "surrogate",
        "controls",
    ],
)
def test_malformed_percent_escapes_are_refused_or_read_as_text(site, app, path, form, suffix):
    body = f"{urlencode(form)}&field={suffix}"

    response = post(site, app, path, body=body)

    if any(bad in suffix.lower() for bad in ("%ff", "%c0", "%ed", "%e0%a4%a")):
        assert response["statusCode"] == 400  # not UTF-8 once decoded: unreadable


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
@pytest.mark.parametrize(
    "raw",
    [b"email=\xff\xfe", b"\xc3\x28=1", b"\x80\x81\x00\x02"],
    ids=["latin", "bad-pair", "binary"],
)
def test_a_body_that_is_not_utf8_is_400(site, app, path, form, raw):
    assert post(site, app, path, body=raw)["statusCode"] == 400


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
def test_repeated_fields_take_the_first_and_too_many_are_400(site, app, path, form):
    repeated = "&".join([urlencode(form)] * 3) if form else "a=1&a=2&a=3"
    many = "&".join(f"f{n}=v" for n in range(1000))

    post(site, app, path, body=repeated)
    assert post(site, app, path, body=many)["statusCode"] == 400


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
        ),
        ("application/json", '{"email": "a@example.com"}'),
        ("text/plain", "email=a@example.com"),
        (
            "text/xml",
            "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
        ),
        (None, "email=a@example.com"),
    ],
    ids=["multipart", "json", "text", "xml", "none"],
)
def test_a_body_that_is_not_a_urlencoded_form_is_415(site, app, path, form, content_type, body):
    assert post(site, app, path, body=body, content_type=content_type)["statusCode"] == 415


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
def test_the_base64_flag_wrong_either_way(site, app, path, form):
    plain = urlencode({**form, "x": "a@b=="})
    flagged_but_plain = post(site, app, path, body=plain + "!", base64_flag=True)
    encoded = base64.b64encode(plain.encode()).decode()
    unflagged_but_base64 = post(site, app, path, body=encoded, base64_flag=False)

    assert flagged_but_plain["statusCode"] == 400
    assert unflagged_but_base64["statusCode"] < 500  # read as a (strange) form


# -- cookies ------------------------------------------------------------------------------------


def garbage_cookies(site: Site) -> dict[str, str]:
    """Sessions and written cookies that are forged, expired, malformed or absurd."""
    [(name, token)] = site.session().items()
    version, claims, mac = token.split(".")
    past = FixedClock()
    past.now -= timedelta(days=8)
    expired_site = a_site(clock=past)
    [(_, expired)] = session_cookie(expired_site, USER_ID, ADMIN_EMAIL).items()
    written = site.site.written
    assert written is not None
    written_token = written.signer.sign({"s": f"viewing-{VIDEO_ID}", "p": 0}, lifetime=timedelta(1))
    forged_written = written.signer.sign({"s": "no stream", "p": -5}, lifetime=timedelta(1))
    return {
        "tampered-signature": f"{name}={token[:-2]}{'A' if token[-2] != 'A' else 'B'}{token[-1]}",
        "tampered-claims": f"{name}={version}.{claims[::-1]}.{mac}",
        "expired": f"{name}={expired}",
        "garbage": f"{name}=v1.%%%.???",
        "huge": f"{name}={'A' * 5000}",
        "non-ascii": f"{name}=v1.é.ü",
        "two-sessions": f"{name}=nonsense; {name}={token}",
        "empty": f"{name}=",
        "no-equals": f"{name}",
        "written-for-another-purpose": f"{written.name}={token}",
        "written-forged-claims": f"{written.name}={forged_written}",
        "written-tampered": f"{written.name}={written_token[:-3]}xyz",
        "written-garbage": f'{written.name}="v1.."',
    }


COOKIE_KINDS = [
    "tampered-signature",
    "tampered-claims",
    "expired",
    "garbage",
    "huge",
    "non-ascii",
    "two-sessions",
    "empty",
    "no-equals",
    "written-for-another-purpose",
    "written-forged-claims",
    "written-tampered",
    "written-garbage",
]


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
@pytest.mark.parametrize("kind", COOKIE_KINDS)
def test_a_bad_cookie_is_no_session_never_an_error(site, app, path, form, kind):
    cookie = garbage_cookies(site)[kind]

    response = post(site, app, path, body=urlencode(form), cookie=cookie)

    if kind.startswith("written"):
        return  # a bad written cookie is no cookie: the answer is what it would be without
    if app in ("creators_portal", "admin") and kind != "two-sessions":
        assert response["statusCode"] == 303  # no session: log in first
        assert "/auth/log-in" in header(response, "Location")


def test_a_tampered_session_writes_nothing_in_a_users_name(site):
    cookie = garbage_cookies(site)["tampered-signature"]

    post(site, "home", f"/record-viewing/{VIDEO_ID}", body="", cookie=cookie)

    [viewed] = site.stores["home"].messages()
    assert viewed.data.get("userId") is None
    assert viewed.metadata.user_id is None


def test_a_read_back_of_a_write_that_never_happened_is_bounded_and_harmless(site):
    """A genuine written cookie naming a position no view will reach: the page waits its
    bound, then says the change is on its way (never a 4xx or 5xx)."""
    written = site.site.written
    assert written is not None
    cookie = written.issue(Written(f"viewing-{VIDEO_ID}", 10**6))
    token = str(cookie).split(";", 1)[0]

    response = site.send("home", raw_event("GET", "https://h/", headers={"Cookie": token}))

    assert response["statusCode"] == 200


# -- other sites --------------------------------------------------------------------------------


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
@pytest.mark.parametrize(
    ("origin", "referer"),
    [
        ("https://evil.example", None),
        ("null", None),
        (f"{API_ORIGIN}.evil.example", None),
        ("http://abc123defg.execute-api.us-east-1.amazonaws.com", None),  # the proxy says https
        ("https://evil.example", f"{API_ORIGIN}/Prod/"),  # Origin decides
        (None, "https://evil.example/page.html"),
        (None, "not a url"),
        (None, "javascript:alert(1)"),
    ],
    ids=[
        "foreign",
        "null",
        "suffix",
        "scheme",
        "foreign-with-own-referer",
        "no-origin-foreign-referer",
        "no-origin-bad-referer",
        "no-origin-script-referer",
    ],
)
def test_a_post_from_another_site_is_403_and_writes_nothing(site, app, path, form, origin, referer):
    headers = {"Referer": referer} if referer else {}

    response = post(site, app, path, body=urlencode(form), origin=origin, headers=headers)

    assert response["statusCode"] == 403
    assert "sent from another site" in refusal_message(response["body"])


@pytest.mark.parametrize(("app", "path", "form"), POSTS, ids=IDS)
def test_no_origin_with_our_own_referer_is_accepted(site, app, path, form):
    headers = {"Referer": f"{API_ORIGIN}/Prod/some/page"}

    response = post(site, app, path, body=urlencode(form), origin=None, headers=headers)

    assert response["statusCode"] < 400


# -- the check itself can fail ------------------------------------------------------------------


def test_the_check_refuses_a_5xx_a_silent_refusal_a_leak_and_a_refusal_that_wrote():
    page = {"statusCode": 400, "headers": {"Content-Type": "text/html"}}
    with pytest.raises(AssertionError):
        check_answer({**page, "statusCode": 500, "body": "<h1>x</h1><p>sorry</p>"}, wrote=0)
    with pytest.raises(AssertionError):
        check_answer({**page, "body": "<h1>Bad</h1>"}, wrote=0)
    with pytest.raises(AssertionError):
        check_answer(
            {**page, "body": '<h1>Bad</h1><p>Traceback (most recent call last): File "/x"</p>'},
            wrote=0,
        )
    with pytest.raises(AssertionError):
        check_answer({**page, "body": "<h1>Bad</h1><p>No.</p>"}, wrote=1)
    check_answer({**page, "body": "<h1>Bad</h1>\n<p>No.</p>"}, wrote=0)
