"""The smoke journey: one new user through the whole system, against any base URL.

    python tools/smoke.py http://127.0.0.1:3000                       # the devserver (make run)
    python tools/smoke.py --localstack-stack video-tutorials           # a LocalStack deploy
    python tools/smoke.py https://abc.execute-api.us-east-1.amazonaws.com/Prod/ --mail none

Steps: the home page lists a published video; register; the welcome email is recorded; log
in; record a viewing and see it counted on the home page. Each step prints what it saw; the
first that fails ends the run with ``smoke: FAILED at <step>: <why>`` and exit status 1
(2 for bad arguments).

Where the welcome email is recorded depends on where the system runs (``--mail``):

- ``outbox[:DIR]`` — the devserver's outbox (``DIR/outbox``; default ``$DEVSERVER_STATE_DIR``
  or ``.devserver``): the emulator's SES writes every mail there;
- ``localstack`` — LocalStack's SES, which keeps what it was asked to send
  (``GET <endpoint>/_aws/ses``);
- ``none`` — not checked (AWS: SES delivers for real; in its sandbox only to verified
  addresses). Said in the output, never passed silently.

The default is ``localstack`` with ``--localstack-stack``, ``outbox`` otherwise.
``--localstack-stack`` finds the stack's REST API with ``localstack-client`` (its endpoint is
``AWS_ENDPOINT_URL``, else ``LOCALSTACK_HOST``, else localhost:4566) and opens it the way
LocalStack serves it: ``http://<api id>.execute-api.localhost.localstack.cloud:<port>/Prod/``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "smoke-test password 1"  # a throwaway account's
WATCHED = re.compile(r"Viewers have watched (\d+) videos?")
VIDEO = re.compile(r'action="[^"]*/record-viewing/([0-9a-f-]{36})"')
USER_ID = re.compile(r'name="id" value="([0-9a-f-]{36})"')
#: the stage API Gateway serves the template's implicit API on
API_STAGE = "Prod"


class SmokeFailure(Exception):
    """A step of the journey did not do what it should (the step and why, in the message)."""


class MailCheck(Protocol):
    """Where the system records the mail it sends."""

    description: str

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        """The mails sent to ``address`` so far (subject and text at least)."""
        ...


@dataclass
class NoMailCheck:
    """The mail is not checked (said in the output)."""

    description: str = "not checked (--mail none)"

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        """Nothing is known: never called by the journey."""
        return []


@dataclass
class OutboxMailCheck:
    """The devserver's outbox: one JSON file per mail its emulator's SES sent."""

    state_dir: Path
    description: str = ""

    def __post_init__(self) -> None:
        self.description = f"the devserver's outbox {self.state_dir / 'outbox'}"

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        """The outbox's mails to ``address``."""
        sys.path.insert(0, str(ROOT))
        from devserver.outbox import sent_mail

        return [
            {"subject": mail.subject, "text": mail.text or mail.html or ""}
            for mail in sent_mail(self.state_dir, to=address)
        ]


@dataclass
class LocalStackMailCheck:
    """LocalStack's SES: what it was asked to send, at ``<endpoint>/_aws/ses``."""

    endpoint: str
    description: str = ""

    def __post_init__(self) -> None:
        self.description = f"LocalStack's SES ({self.endpoint}/_aws/ses)"

    def mails_to(self, address: str) -> list[dict[str, Any]]:
        """LocalStack's sent messages whose destination includes ``address``."""
        response = requests.get(f"{self.endpoint.rstrip('/')}/_aws/ses", timeout=10)
        response.raise_for_status()
        found = []
        for message in response.json().get("messages") or []:
            destination = message.get("Destination") or {}
            recipients = [
                a.lower()
                for key in ("ToAddresses", "CcAddresses", "BccAddresses")
                for a in destination.get(key) or []
            ]
            if address.lower() in recipients:
                body = message.get("Body") or {}
                text = body.get("text_part") or body.get("html_part") or message.get("RawData")
                found.append({"subject": message.get("Subject"), "text": text or ""})
        return found


def localstack_endpoint() -> str:
    """LocalStack's endpoint as localstack-client sees it (``AWS_ENDPOINT_URL`` first)."""
    from localstack_client import config

    return config.get_service_endpoint("cloudformation") or "http://localhost:4566"


def localstack_api_url(stack_name: str, region: str = "us-east-1") -> str:
    """The base URL of the stack's REST API on LocalStack (found with localstack-client)."""
    from localstack_client.session import Session

    cloudformation = Session(region_name=region).client("cloudformation")
    try:
        resource = cloudformation.describe_stack_resource(
            StackName=stack_name, LogicalResourceId="ServerlessRestApi"
        )["StackResourceDetail"]
    except Exception as exc:
        raise SmokeFailure(f"no REST API in stack {stack_name} on LocalStack: {exc}") from exc
    endpoint = urlsplit(localstack_endpoint())
    port = f":{endpoint.port}" if endpoint.port else ""
    api_id = resource["PhysicalResourceId"]
    return f"{endpoint.scheme}://{api_id}.execute-api.localhost.localstack.cloud{port}/{API_STAGE}/"


class Site:
    """The site over HTTP, as a browser without JavaScript uses it (cookies, Origin)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout
        self.session = requests.Session()

    def url(self, path: str) -> str:
        """The URL of a site path (``/register``) below the base URL (and its stage)."""
        return urljoin(self.base_url, path.lstrip("/"))

    def get(self, path_or_url: str) -> requests.Response:
        """GET, redirects not followed."""
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        return self._send("GET", url)

    def post(self, path: str, form: dict[str, str] | None = None) -> requests.Response:
        """POST a form, with the site's Origin as a browser sends it."""
        return self._send("POST", self.url(path), data=form or {}, headers={"Origin": self.origin})

    def follow(self, response: requests.Response) -> requests.Response:
        """The page a redirect sends the browser to."""
        return self.get(urljoin(response.url, response.headers["Location"]))

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(
                method, url, allow_redirects=False, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise SmokeFailure(f"{method} {url}: {exc}") from exc


def _expect(response: requests.Response, *statuses: int) -> requests.Response:
    if response.status_code not in statuses:
        snippet = re.sub(r"\s+", " ", response.text)[:300]
        raise SmokeFailure(
            f"{response.request.method} {response.url} answered {response.status_code}, "
            f"expected {' or '.join(map(str, statuses))}: {snippet}"
        )
    return response


def _until(what: str, attempt: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """``attempt()`` until it returns something truthy; ``SmokeFailure`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = attempt()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise SmokeFailure(f"{what} within {timeout:g} s")
        time.sleep(interval)


def watched(page: str) -> int:
    """The home page's count of viewings."""
    match = WATCHED.search(page)
    if match is None:
        raise SmokeFailure("the home page does not say how many videos were watched")
    return int(match.group(1))


def run_journey(
    base_url: str, mail: MailCheck, *, timeout: float = 30.0, say: Callable[[str], None] = print
) -> None:
    """The journey against ``base_url``; ``SmokeFailure`` at the first step that fails."""
    site = Site(base_url, timeout=min(timeout, 30.0))
    email = f"smoke-{uuid.uuid4().hex[:12]}@example.com"
    step = "home page"
    try:
        home = _expect(site.get("/"), 200).text
        videos = VIDEO.findall(home)
        if not videos:
            raise SmokeFailure(
                "no published video to watch: publish the demo videos first "
                "(python -m video_tutorials.demo --stack-name … | --devserver …)"
            )
        before = watched(home)
        say(f"ok   home page: {len(videos)} video(s), watched {before} time(s)")

        step = "register"
        form = _expect(site.get("/register"), 200).text
        user = USER_ID.search(form)
        if user is None:
            raise SmokeFailure("the registration form has no hidden id")
        registered = _expect(
            site.post("/register", {"id": user.group(1), "email": email, "password": PASSWORD}),
            303,
        )
        complete = _expect(site.follow(registered), 200).text
        if "Registration complete" not in complete:
            raise SmokeFailure("the page after registering does not say it is complete")
        say(f"ok   registered {email} (user {user.group(1)})")

        step = "welcome email"
        if isinstance(mail, NoMailCheck):
            say(f"skip welcome email: {mail.description}")
        else:
            mails = _until(
                f"no welcome email to {email} in {mail.description}",
                lambda: mail.mails_to(email),
                timeout,
            )
            if "/auth/log-in" not in (mails[0].get("text") or ""):
                raise SmokeFailure(f"the welcome email has no log-in link: {mails[0]}")
            say(f"ok   welcome email recorded in {mail.description}: {mails[0].get('subject')!r}")

        step = "log in"

        def log_in() -> requests.Response | None:
            response = site.post("/auth/log-in", {"email": email, "password": PASSWORD})
            return response if response.status_code == 303 else None

        logged_in = _until(f"{email} could not log in", log_in, timeout)
        signed_in = _expect(site.follow(logged_in), 200).text
        if email not in signed_in:
            raise SmokeFailure("the page after logging in does not name the user")
        say("ok   logged in")

        step = "record a viewing"
        recorded = _expect(site.post(f"/record-viewing/{videos[0]}"), 303)
        page = _expect(site.follow(recorded), 200).text
        if watched(page) < before + 1:  # the page said it is on its way: it refreshes
            _until(
                f"the viewing was not counted on the home page (still {watched(page)})",
                lambda: watched(_expect(site.get("/"), 200).text) >= before + 1,
                timeout,
            )
        say(f"ok   viewing of {videos[0]} recorded and counted (watched {before} -> {before + 1}+)")
    except SmokeFailure as exc:
        raise SmokeFailure(f"{step}: {exc}") from exc


def mail_check(option: str | None, *, localstack: bool, environ: dict[str, str]) -> MailCheck:
    """The ``--mail`` option's check (its default depends on where the system runs)."""
    choice = option or ("localstack" if localstack else "outbox")
    kind, _, argument = choice.partition(":")
    if kind == "none":
        return NoMailCheck()
    if kind == "localstack":
        return LocalStackMailCheck(argument or localstack_endpoint())
    if kind == "outbox":
        state_dir = argument or environ.get("DEVSERVER_STATE_DIR") or str(ROOT / ".devserver")
        return OutboxMailCheck(Path(state_dir))
    raise ValueError(f"--mail {choice}: outbox[:DIR], localstack or none")


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    """The command line (see the module's docstring)."""
    import os

    parser = argparse.ArgumentParser(
        description="Register, receive the welcome email, log in, record a viewing and see it."
    )
    parser.add_argument("base_url", nargs="?", help="the site's address (its stage included)")
    parser.add_argument("--localstack-stack", metavar="STACK", help="find it on LocalStack")
    parser.add_argument("--mail", help="outbox[:STATE_DIR] | localstack | none")
    parser.add_argument("--timeout", type=float, default=30.0, help="per step (seconds)")
    arguments = parser.parse_args(argv)
    if bool(arguments.base_url) == bool(arguments.localstack_stack):
        parser.error("give a BASE_URL or --localstack-stack STACK (one of them)")
    try:
        mail = mail_check(
            arguments.mail,
            localstack=bool(arguments.localstack_stack),
            environ=dict(os.environ if environ is None else environ),
        )
    except ValueError as exc:
        parser.error(str(exc))
    started = time.monotonic()
    try:
        base_url = arguments.base_url or localstack_api_url(arguments.localstack_stack)
        print(f"smoke: {base_url} (mail: {mail.description})")
        run_journey(base_url, mail, timeout=arguments.timeout)
    except SmokeFailure as exc:
        print(f"smoke: FAILED at {exc}", file=sys.stderr)
        return 1
    print(f"smoke: passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
