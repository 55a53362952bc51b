"""admin (with fakes): only admins see it (a redirect to log in, else 403, on every route);
each page shows what an operator looks for, links its messages to their stream, trace and user;
bad input is a 4xx with a message; a consumer's dead letters are delivered again on request."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from message_store import Metadata, StoredMessage
from message_store.progress import Progress
from message_store.skips import SkippedMessage
from tests.support.applications import a_site, header, page_text, session_cookie
from tests.support.factories import an_api_request
from video_tutorials.applications import admin
from video_tutorials.applications.pages import Pages
from video_tutorials.dead_letters import DeadLetterDepth, DeadLettersUnavailableError
from video_tutorials.redrive import Outcome
from video_tutorials.views.admin_streams import CategorySummary, StreamSummary
from video_tutorials.views.admin_users import AdminUser
from video_tutorials.views.paging import Page

ADMIN = "Admin@Example.com"
USER_ID = "3b1c2d4e-5f60-4718-9a2b-3c4d5e6f7a8b"
TRACE = "7d3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def stored(stream, position, type_, *, trace=TRACE, user=USER_ID, seconds=0, caused_by=None):
    metadata = Metadata(trace_id=trace, user_id=user)
    if caused_by is not None:
        metadata = metadata.model_copy(
            update={
                "causation_message_stream_name": caused_by.stream_name,
                "causation_message_position": caused_by.position,
                "causation_message_global_position": caused_by.global_position,
            }
        )
    return StoredMessage(
        id=str(uuid.uuid4()),
        type=type_,
        stream_name=stream,
        position=position,
        global_position=f"01JQ{seconds:022d}",
        time=NOW + timedelta(seconds=seconds),
        data={"userId": user, "email": "someone@example.com"},
        metadata=metadata,
    )


class FakeMessages:
    def __init__(self, messages):
        self.messages = sorted(messages, key=lambda m: m.global_position)

    def read_stream(self, stream_name, from_position=0, max_messages=1000):
        return [m for m in self.messages if m.stream_name == stream_name][
            from_position : from_position + max_messages
        ]

    def read_latest(self, categories, before_global_position=None, max_messages=50):
        chosen = [
            m
            for m in reversed(self.messages)
            if m.stream_name.split("-", 1)[0] in categories
            and (before_global_position is None or m.global_position < before_global_position)
        ]
        return chosen[:max_messages]

    def read_trace(self, trace_id, max_messages=1000):
        return [m for m in self.messages if m.metadata.trace_id == trace_id][:max_messages]


class FakeUsers:
    def __init__(self, users):
        self.by_id = {u.user_id: u for u in users}

    def users(self, after=None, limit=50):
        keys = sorted(self.by_id)
        start = keys.index(after) + 1 if after in keys else 0
        chosen = keys[start : start + limit]
        more = start + limit < len(keys)
        return Page([self.by_id[k] for k in chosen], chosen[-1] if more else None)

    def get(self, key):
        return self.by_id.get(key)


class FakeStreams:
    def __init__(self, messages):
        self.summaries = {}
        for m in messages:
            self.summaries[m.stream_name] = StreamSummary(
                stream_name=m.stream_name,
                category=m.stream_name.split("-", 1)[0],
                messages=m.position + 1,
                last_type=m.type,
                last_position=m.position,
            )

    def streams(self, after=None, limit=50):
        return Page(sorted(self.summaries.values(), key=lambda s: s.stream_name)[:limit])

    def streams_of(self, category, after=None, limit=50):
        return Page([s for s in self.streams().items if s.category == category][:limit])

    def categories(self):
        counts = {}
        for s in self.summaries.values():
            counts[s.category] = counts.get(s.category, 0) + 1
        return [CategorySummary(c, n) for c, n in sorted(counts.items())]


class FakeProgress:
    def __init__(self):
        self.by_consumer = {}

    def get(self, consumer):
        return self.by_consumer.get(consumer)


class FakeSkips:
    def __init__(self):
        self.by_consumer = {}

    def skipped(self, consumer, limit=100):
        return self.by_consumer.get(consumer, [])[:limit]


class FakeDeadLetters:
    def __init__(self):
        self.letters = {}
        self.redriven = []
        self.unavailable = False

    def depth(self, consumer):
        if self.unavailable:
            raise DeadLettersUnavailableError("SQS is down (fake)")
        return DeadLetterDepth(f"{consumer.name}-dlq", self.letters.get(consumer.name, 0), False)

    def redrive(self, consumer):
        if self.unavailable:
            raise DeadLettersUnavailableError("SQS is down (fake)")
        self.redriven.append(consumer.name)
        count = self.letters.pop(consumer.name, 0)
        delivered = [f"letter {n}" for n in range(count)]
        return Outcome(delivered=delivered), [f"{consumer.name}: {count} delivered again"]


class Portal:
    def __init__(self):
        register = stored(f"identity:command-{USER_ID}", 0, "Register", seconds=1)
        registered = stored(f"identity-{USER_ID}", 0, "Registered", seconds=2, caused_by=register)
        send = stored("sendEmail:command-e1", 0, "Send", seconds=3, caused_by=registered)
        sent = stored("sendEmail-e1", 0, "Sent", seconds=4, caused_by=send)
        email_sent = stored(
            f"identity-{USER_ID}", 1, "RegistrationEmailSent", seconds=5, caused_by=sent
        )
        other = stored("viewing-v1", 0, "VideoViewed", trace="another-trace", seconds=6)
        self.trace = [register, registered, send, sent, email_sent]
        self.all = [*self.trace, other]
        self.site = dataclasses.replace(a_site(), pages=Pages(admins=frozenset({ADMIN.lower()})))
        self.messages = FakeMessages(self.all)
        self.users = FakeUsers(
            [
                AdminUser(
                    user_id=USER_ID,
                    email="someone@example.com",
                    registered=True,
                    registration_email_sent=True,
                    logins=3,
                    failed_logins=1,
                    last_login="2026-11-30T11:00:00.000Z",
                    viewings=7,
                )
            ]
        )
        self.streams = FakeStreams(self.all)
        self.progress = FakeProgress()
        self.skips = FakeSkips()
        self.dead_letters = FakeDeadLetters()
        self.app = admin.create_app(
            self.site,
            messages=self.messages,
            users=self.users,
            streams=self.streams,
            skipped=self.skips,
            progress=self.progress,
            dead_letters=self.dead_letters,
            clock=lambda: NOW,
        )

    def request(self, method, path, *, email=ADMIN, query=None):
        cookies = session_cookie(self.site, str(uuid.uuid4()), email) if email else {}
        form = {} if method == "POST" else None
        return self.app.resolve(
            an_api_request(method, path, cookies=cookies, query=query, form=form), {}
        )


@pytest.fixture
def portal():
    return Portal()


def routes(portal: Portal) -> list[tuple[str, str, dict | None]]:
    message = portal.trace[1]
    return [
        ("GET", "/admin", None),
        ("GET", "/admin/users", None),
        ("GET", f"/admin/users/{USER_ID}", None),
        ("GET", "/admin/messages", None),
        (
            "GET",
            f"/admin/messages/{message.id}",
            {"stream": message.stream_name, "position": str(message.position)},
        ),
        ("GET", f"/admin/correlated-messages/{TRACE}", None),
        ("GET", "/admin/streams", None),
        ("GET", f"/admin/streams/identity-{USER_ID}", None),
        ("GET", "/admin/categories", None),
        ("GET", "/admin/categories/identity", None),
        ("GET", "/admin/consumers", None),
        ("POST", "/admin/consumers/home-page/redrive", None),
    ]


def test_a_logged_out_visitor_is_sent_to_log_in_from_every_route(portal):
    for method, path, query in routes(portal):
        response = portal.request(method, path, email=None, query=query)

        assert response["statusCode"] == 303, (method, path)
        assert header(response, "Location").startswith("/Prod/auth/log-in?next="), path
    assert portal.dead_letters.redriven == []


def test_a_user_who_is_not_an_admin_gets_403_on_every_route(portal):
    for method, path, query in routes(portal):
        response = portal.request(method, path, email="someone@example.com", query=query)

        assert response["statusCode"] == 403, (method, path)
        assert "for the site's administrators" in page_text(response)
        assert USER_ID not in response["body"], path
    assert portal.dead_letters.redriven == []


def test_an_admin_opens_every_route_and_the_navigation_links_the_admin_pages(portal):
    for method, path, query in routes(portal):
        response = portal.request(method, path, query=query)

        assert response["statusCode"] == 200, (method, path, page_text(response)[:300])
        assert 'href="/Prod/admin"' in response["body"]


def test_the_admin_link_is_shown_to_admins_only():
    site = dataclasses.replace(a_site(), pages=Pages(admins=frozenset({"a@example.com"})))
    pages = site.pages

    class Session:
        email = " A@Example.com "

    class Other:
        email = "b@example.com"

    assert pages.is_admin(Session())
    assert not pages.is_admin(Other())
    assert not pages.is_admin(None)
    assert not Pages().is_admin(Session())  # AdminEmails empty: nobody


def test_a_user_page_shows_what_an_operator_looks_for(portal):
    text = page_text(portal.request("GET", f"/admin/users/{USER_ID}"))

    for expected in ["someone@example.com", "Logins 3", "Failed logins 1", "Viewings 7"]:
        assert expected in text
    assert "Registration email sent" in text
    assert "Last login 2026-11-30T11:00:00.000Z" in text


def test_the_users_page_lists_users_and_links_each(portal):
    response = portal.request("GET", "/admin/users")

    assert f'href="/Prod/admin/users/{USER_ID}"' in response["body"]
    assert "someone@example.com" in page_text(response)


def test_messages_are_newest_first_and_link_their_stream_trace_and_user(portal):
    body = portal.request("GET", "/admin/messages")["body"]

    types = re.findall(r'<td><a href="/Prod/admin/messages/[^"]+">(\w+)</a></td>', body)
    assert types == [
        "VideoViewed",
        "RegistrationEmailSent",
        "Sent",
        "Send",
        "Registered",
        "Register",
    ]
    assert f'href="/Prod/admin/streams/identity-{USER_ID}"' in body
    assert f'href="/Prod/admin/correlated-messages/{TRACE}"' in body
    assert f'href="/Prod/admin/users/{USER_ID}"' in body


def test_a_message_page_shows_its_data_metadata_and_links(portal):
    message = portal.trace[1]
    query = {"stream": message.stream_name, "position": "0"}
    response = portal.request("GET", f"/admin/messages/{message.id}", query=query)

    text = page_text(response)
    assert "Registered" in text
    assert message.global_position in text
    assert '"email": "someone@example.com"' in text
    assert f'"traceId": "{TRACE}"' in text
    assert f'href="/Prod/admin/correlated-messages/{TRACE}"' in response["body"]
    assert f'href="/Prod/admin/users/{USER_ID}"' in response["body"]
    # it was caused by the Register command: linked to that command's stream
    assert f'href="/Prod/admin/streams/identity%3Acommand-{USER_ID}"' in response["body"]


def test_the_trace_page_draws_the_flow_between_streams_on_the_page(portal):
    response = portal.request("GET", f"/admin/correlated-messages/{TRACE}")

    body = response["body"]
    svg = body[body.index("<svg") : body.index("</svg>")]
    labels = re.findall(r"<text[^>]*>([^<]+?) <tspan", svg)
    for type_ in ["Register", "Registered", "Send", "Sent", "RegistrationEmailSent"]:
        assert type_ in labels
    assert "VideoViewed" not in body  # another trace's message
    # one arrow per message caused by another message of the trace
    assert svg.count('marker-end="url(#arrow)"') == 4
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_streams_link_their_category_and_a_category_lists_its_streams(portal):
    body = portal.request("GET", "/admin/streams")["body"]
    assert 'href="/Prod/admin/categories/identity"' in body

    text = page_text(portal.request("GET", "/admin/categories"))
    assert "identity 1" in text
    assert "sendEmail 1" in text
    assert "viewing 1" in text

    category = portal.request("GET", "/admin/categories/sendEmail")["body"]
    assert "sendEmail-e1" in category
    assert f"identity-{USER_ID}" not in category


def test_a_stream_page_lists_its_messages_in_order(portal):
    body = portal.request("GET", f"/admin/streams/identity-{USER_ID}")["body"]

    assert body.index(">Registered<") < body.index(">RegistrationEmailSent<")
    assert 'href="/Prod/admin/categories/identity"' in body


def test_the_consumers_page_shows_reads_lag_skips_and_dead_letters(portal):
    portal.progress.by_consumer["identity"] = Progress(
        consumer="identity",
        stream_name=f"identity:command-{USER_ID}",
        position=0,
        global_position=portal.trace[0].global_position,
        message_time="2026-11-30T12:00:00.500Z",
        recorded_at="2026-11-30T12:00:01.500Z",
    )
    # user-credentials finished the newest Registered: caught up, though later identity
    # events (RegistrationEmailSent) are not its to read
    portal.progress.by_consumer["user-credentials"] = Progress(
        consumer="user-credentials",
        stream_name=f"identity-{USER_ID}",
        position=0,
        global_position=portal.trace[1].global_position,
        message_time="2026-11-30T12:00:02.000Z",
        recorded_at="2026-11-30T12:00:02.600Z",
    )
    # send-email finished a message 0.5 s older than the newest it reads: within the second
    # progress is recorded in
    portal.progress.by_consumer["send-email"] = Progress(
        consumer="send-email",
        stream_name="sendEmail:command-e0",
        position=0,
        global_position=portal.trace[1].global_position,
        message_time="2026-11-30T12:00:02.500Z",
        recorded_at="2026-11-30T12:00:02.600Z",
    )
    portal.progress.by_consumer["home-page"] = Progress(
        consumer="home-page",
        stream_name="viewing-v1",
        position=0,
        global_position=portal.all[-1].global_position,
        message_time="2026-11-30T12:00:06.000Z",
        recorded_at="2026-11-30T12:00:06.100Z",
    )
    portal.skips.by_consumer["home-page"] = [
        SkippedMessage(
            consumer="home-page",
            stream_name="viewing-v2",
            position=3,
            message_id="m-3",
            message_type="VideoViewed",
            error="data.videoId: Field required",
        )
    ]
    portal.dead_letters.letters["send-email"] = 2

    response = portal.request("GET", "/admin/consumers")

    text = page_text(response)
    identity = text[text.index("identity Reads") : text.index("send-email Reads")]
    # the newest message identity reads is Registered (at 12:00:02; the Sent here has no
    # origin, and RegistrationEmailSent is its own write, not read)
    assert "1.5 s behind the newest message" in identity
    credentials = text[text.index("user-credentials Reads") :]
    assert "Lag caught up" in credentials
    send = text[text.index("send-email Reads") : text.index("user-credentials Reads")]
    assert "caught up to within a second" in send
    home = text[text.index("home-page Reads") : text.index("identity Reads")]
    assert "caught up" in home
    assert "viewing: VideoViewed" in home
    assert "viewing-v2/3" in home
    assert "data.videoId: Field required" in home
    send_email = text[text.index("send-email Reads") :]
    assert "2 in send-email-dlq" in send_email
    assert 'action="/Prod/admin/consumers/send-email/redrive"' in response["body"]
    assert 'action="/Prod/admin/consumers/home-page/redrive"' not in response["body"]


def test_the_consumers_page_still_shows_when_sqs_cannot_be_asked(portal):
    portal.dead_letters.unavailable = True

    response = portal.request("GET", "/admin/consumers")

    assert response["statusCode"] == 200
    assert "cannot be read now (SQS is down (fake))" in page_text(response)


def test_the_redrive_button_delivers_that_consumers_dead_letters_again(portal):
    portal.dead_letters.letters["send-email"] = 2

    response = portal.request("POST", "/admin/consumers/send-email/redrive")

    assert response["statusCode"] == 200
    assert portal.dead_letters.redriven == ["send-email"]
    assert "2 delivered again, 0 left" in page_text(response)


def test_a_redrive_sqs_refuses_is_a_503_with_a_message_not_a_stack_trace(portal):
    portal.dead_letters.unavailable = True

    response = portal.request("POST", "/admin/consumers/send-email/redrive")

    assert response["statusCode"] == 503
    assert "Traceback" not in response["body"]


@pytest.mark.parametrize(
    ("method", "path", "query", "status"),
    [
        ("GET", "/admin/users/not-a-uuid", None, 400),
        ("GET", f"/admin/users/{uuid.uuid4()}", None, 404),
        ("GET", "/admin/messages", {"before": "yesterday"}, 400),
        ("GET", "/admin/messages/some-id", {"stream": "no stream!", "position": "0"}, 404),
        ("GET", "/admin/messages/some-id", {"stream": "viewing-v1", "position": "-1"}, 400),
        ("GET", "/admin/messages/some-id", {"stream": "viewing-v1", "position": "x"}, 400),
        ("GET", "/admin/messages/some-id", {"stream": "viewing-v1", "position": "0"}, 404),
        ("GET", "/admin/messages/some-id", None, 404),
        ("GET", "/admin/messages/some-id", {"stream": "", "position": "3"}, 404),
        ("GET", "/admin/correlated-messages/no-such-trace", None, 404),
        ("GET", "/admin/correlated-messages/" + "x" * 500, None, 404),
        ("GET", "/admin/streams/a%20b", None, 400),
        ("GET", "/admin/streams/viewing-nothing", None, 404),
        ("GET", "/admin/streams/viewing-v1", {"from": "-3"}, 400),
        ("GET", "/admin/streams/viewing-v1", {"from": "99999999999999999999999"}, 400),
        ("GET", "/admin/categories/a-b", None, 400),
        ("GET", "/admin/nothing-here", None, 404),
        ("POST", "/admin/consumers/nobody/redrive", None, 404),
        ("DELETE", "/admin/users", None, 404),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(portal, method, path, query, status):
    response = portal.request(method, path, query=query)

    assert response["statusCode"] == status, page_text(response)[:400]
    assert "Traceback" not in response["body"]
    assert len(page_text(response)) > 20
    assert portal.dead_letters.redriven == []


def test_a_stream_page_pages_through_long_streams(portal):
    many = [stored("viewing-long", p, "VideoViewed", seconds=100 + p) for p in range(60)]
    portal.messages.messages.extend(many)

    first = portal.request("GET", "/admin/streams/viewing-long")["body"]
    assert 'href="/Prod/admin/streams/viewing-long?from=50"' in first
    second = portal.request("GET", "/admin/streams/viewing-long", query={"from": "50"})
    assert second["body"].count(">VideoViewed<") == 10
    assert "?from=" not in second["body"]


def test_the_messages_page_pages_back_through_history(portal):
    many = [stored(f"viewing-x{p}", 0, "VideoViewed", seconds=100 + p) for p in range(55)]
    portal.messages.messages.extend(many)

    first = portal.request("GET", "/admin/messages")["body"]
    cursor = re.search(r'\?before=([0-9A-Z]+)"', first)
    assert cursor is not None
    second = portal.request("GET", "/admin/messages", query={"before": cursor.group(1)})
    assert second["statusCode"] == 200
    assert second["body"].count(">VideoViewed<") == 6  # 5 older viewings and the first one


def test_a_recent_message_opens_by_its_id_alone(portal):
    message = portal.trace[2]

    response = portal.request("GET", f"/admin/messages/{message.id}")

    assert response["statusCode"] == 200
    assert message.global_position in page_text(response)


@pytest.mark.parametrize(
    ("minutes_ago", "shown"),
    [
        (5, "Log-in lock locked until 2026-11-30 12:10:00 UTC (5 failed log-ins since the last"),
        (15, "Log-in lock not locked"),
    ],
)
def test_a_user_page_shows_a_log_in_lock_until_its_window_passes(portal, minutes_ago, shown):
    """Five failures in a row within 15 minutes (the site's limits) lock the account."""
    first = NOW - timedelta(minutes=minutes_ago)
    failures = tuple((first + timedelta(seconds=n)).isoformat() for n in range(5))
    user = portal.users.by_id[USER_ID]
    portal.users.by_id[USER_ID] = dataclasses.replace(user, recent_failures=failures)

    text = page_text(portal.request("GET", f"/admin/users/{USER_ID}"))

    assert shown in text


def test_fewer_failures_than_the_limit_are_no_lock(portal):
    failures = tuple((NOW - timedelta(seconds=n)).isoformat() for n in range(4, 0, -1))
    user = portal.users.by_id[USER_ID]
    portal.users.by_id[USER_ID] = dataclasses.replace(user, recent_failures=failures)

    assert "Log-in lock not locked" in page_text(portal.request("GET", f"/admin/users/{USER_ID}"))
