"""The consumer samples of events/ replayed through their functions (`sam local invoke -e`):
each consumer's batch in both topologies (DynamoDB stream records, SQS records), the relay's."""

from __future__ import annotations

import json

import boto3
import pytest

import devserver
from devserver.template import ROOT
from video_tutorials.contracts import identity
from video_tutorials.storage import upload_key
from video_tutorials.views.admin_streams import AdminStreamsViews
from video_tutorials.views.admin_users import AdminUsersViews
from video_tutorials.views.creators_videos import CreatorsVideosViews
from video_tutorials.views.home_page import HomePageViews
from video_tutorials.views.user_credentials import UserCredentialsViews
from video_tutorials.views.video_operations import VideoOperationsViews

SENDER = "no-reply@video-tutorials.example"
USER_ID = "6a1f0c2e-8b3d-4e5f-9a7b-1c2d3e4f5a60"
VIDEO_ID = "4c3b6a2e-5d1f-4e8a-9b7c-0a1d2e3f4a51"
TRACE_ID = "0d4c9a6e-2f1b-4c3d-8e7f-5a6b7c8d9e01"
BUCKET = "video-tutorials-videosbucket"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 16


def sample(path: str) -> dict:
    return json.loads((ROOT / "events" / path).read_text())


@pytest.fixture(params=["", "queue-"], ids=["streams", "queues"])
def shape(request):
    """The file-name prefix of a sample's topology: stream records, or SQS records."""
    return request.param


@pytest.fixture
def topic(aws):
    """The message topic, with one FIFO queue subscribed to all it carries."""
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    arn = sns.create_topic(Name="messages.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url = sqs.create_queue(QueueName="all.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    return arn


@pytest.fixture
def consumers(tables, topic):
    """Every function of template.yaml (the relay's topology included), on the test tables."""
    with devserver.load_functions(
        naming=lambda logical_id: f"test-{logical_id}",  # the tables fixture's names
        physical_ids={"VideosBucket": BUCKET, "MessageTopic": topic},
        parameter_overrides={"ConsumerDelivery": "Queues"},  # the relay runs in it
        environment={"SETTLE_WINDOW_SECONDS": "0"},
    ) as functions:
        yield functions


@pytest.fixture
def invoke(consumers):
    def run(function: str, event_path: str):
        return consumers.invoke(function, sample(event_path))

    return run


def test_identity_registers_from_the_register_sample(invoke, store, shape):
    assert invoke("identity_component", f"identity_component/{shape}register.json") == {
        "batchItemFailures": []
    }
    assert [m.type for m in store.read_stream(identity.identity_stream(USER_ID))] == ["Registered"]


def test_identity_asks_for_the_welcome_email_from_the_registered_sample(invoke, store, shape):
    invoke("identity_component", f"identity_component/{shape}registered.json")

    email_id = identity.registration_email_id(USER_ID)
    assert [m.type for m in store.read_stream(f"sendEmail:command-{email_id}")] == ["Send"]


def test_identity_records_the_sent_sample(invoke, store, shape):
    registered = identity.Registered(user_id=USER_ID, email="ada@example.com", password_hash="h")
    store.write(identity.identity_stream(USER_ID), registered.to_message())

    invoke("identity_component", f"identity_component/{shape}sent.json")

    types = [m.type for m in store.read_stream(identity.identity_stream(USER_ID))]
    assert types == ["Registered", "RegistrationEmailSent"]


def test_send_email_sends_the_send_sample(invoke, store, shape):
    boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress=SENDER)

    assert invoke("send_email_component", f"send_email_component/{shape}send.json") == {
        "batchItemFailures": []
    }
    email_id = identity.registration_email_id(USER_ID)
    assert [m.type for m in store.read_stream(f"sendEmail-{email_id}")] == ["Sent"]


def test_the_home_page_aggregator_folds_its_sample(invoke, tables, shape):
    invoke("home_page_aggregator", f"home_page_aggregator/{shape}viewings-and-publishing.json")

    views = HomePageViews(tables["HomePageViewTable"])
    assert views.counted(VIDEO_ID) == 2
    page = views.home_page()  # the viewings reach the page with the roll-up (next test)
    assert [(v.name, v.published) for v in page.videos] == [("Intro", True)]


def test_the_home_page_rollup_puts_the_counted_viewings_on_the_page(invoke, tables):
    invoke("home_page_aggregator", "home_page_aggregator/viewings-and-publishing.json")
    invoke("home_page_rollup", "home_page_rollup/count-changed.json")

    page = HomePageViews(tables["HomePageViewTable"]).home_page()
    assert page.videos_watched == 2
    assert [(v.name, v.views, v.published) for v in page.videos] == [("Intro", 2, True)]


def test_the_user_credentials_aggregator_folds_its_sample(invoke, tables, shape):
    invoke("user_credentials_aggregator", f"user_credentials_aggregator/{shape}registered.json")

    found = UserCredentialsViews(tables["UserCredentialsViewTable"]).find_by_email(
        "ada@example.com"
    )
    assert found is not None
    assert found.user_id == USER_ID


def test_video_publishing_publishes_and_names_its_sample(invoke, store, shape):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=upload_key(USER_ID, VIDEO_ID), Body=MP4)

    response = invoke(
        "video_publishing_component", f"video_publishing_component/{shape}publish-and-name.json"
    )

    assert response == {"batchItemFailures": []}
    types = [m.type for m in store.read_stream(f"videoPublishing-{VIDEO_ID}")]
    assert types == ["VideoPublished", "VideoNamed"]


def test_the_creators_videos_aggregator_folds_its_sample(invoke, tables, shape):
    invoke(
        "creators_videos_aggregator",
        f"creators_videos_aggregator/{shape}published-named-viewed.json",
    )

    views = CreatorsVideosViews(tables["CreatorsVideosViewTable"])
    (video,) = views.videos_of(USER_ID)
    assert (video.name, video.views, video.status) == ("Intro", 2, "published")


def test_the_video_operations_aggregator_folds_its_sample(invoke, tables, shape):
    invoke("video_operations_aggregator", f"video_operations_aggregator/{shape}named.json")

    operation = VideoOperationsViews(tables["VideoOperationsViewTable"]).get(TRACE_ID)
    assert (operation.video_id, operation.succeeded, operation.value) == (VIDEO_ID, True, "Intro")


def test_the_admin_users_aggregator_folds_its_sample(invoke, tables, shape):
    invoke(
        "admin_users_aggregator", f"admin_users_aggregator/{shape}registered-logged-in-viewed.json"
    )

    user = AdminUsersViews(tables["AdminUsersViewTable"]).get(USER_ID)
    assert (user.email, user.registered, user.registration_email_sent) == (
        "ada@example.com",
        True,
        True,
    )
    assert (user.logins, user.viewings) == (1, 1)


def test_the_admin_streams_aggregator_folds_its_sample(invoke, tables, shape):
    invoke(
        "admin_streams_aggregator",
        f"admin_streams_aggregator/{shape}messages-of-three-categories.json",
    )

    views = AdminStreamsViews(tables["AdminStreamsViewTable"], tables["AdminCategoriesViewTable"])
    streams = {s.stream_name: s.messages for s in views.streams().items}
    assert streams == {
        identity.identity_stream(USER_ID): 2,
        f"authentication-{USER_ID}": 1,
        f"viewing-{VIDEO_ID}": 1,
    }
    assert {c.category: c.streams for c in views.categories()} == {
        "identity": 1,
        "authentication": 1,
        "viewing": 1,
    }


def test_the_relay_publishes_its_sample_to_the_topic(invoke, topic):
    assert invoke("relay", "relay/stream-batch.json") == {"batchItemFailures": []}

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="all.fifo")["QueueUrl"]
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        bodies += [json.loads(m["Body"]) for m in batch]
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    sample_records = sample("relay/stream-batch.json")["Records"]
    assert sorted((b["streamName"], b["position"]) for b in bodies) == sorted(
        (r["dynamodb"]["Keys"]["streamName"]["S"], int(r["dynamodb"]["Keys"]["position"]["N"]))
        for r in sample_records
    )


def test_every_consumer_sample_is_replayed_here():
    consumers = {
        "identity_component/register.json",
        "identity_component/registered.json",
        "identity_component/sent.json",
        "send_email_component/send.json",
        "home_page_aggregator/viewings-and-publishing.json",
        "user_credentials_aggregator/registered.json",
        "video_publishing_component/publish-and-name.json",
        "creators_videos_aggregator/published-named-viewed.json",
        "video_operations_aggregator/named.json",
        "admin_users_aggregator/registered-logged-in-viewed.json",
        "admin_streams_aggregator/messages-of-three-categories.json",
    }
    replayed = {
        *consumers,
        *(path.replace("/", "/queue-") for path in consumers),
        "relay/stream-batch.json",
        "home_page_rollup/count-changed.json",
    }
    applications = {"home", "register_users", "authenticate", "creators_portal", "admin"}
    files = {
        str(path.relative_to(ROOT / "events"))
        for path in (ROOT / "events").glob("*/*.json")
        if path.parent.name not in applications
    }
    assert files == replayed
