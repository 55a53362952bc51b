"""The consumer runtime: records to messages, dispatch by type, stop at the first failure."""

from __future__ import annotations

import logging

from message_store import Message, Metadata
from message_store.codec import encode_map
from message_store.consumer import Component


def an_image(position: int, type_: str = "Happened", stream: str = "thing-1", **data) -> dict:
    return {
        "streamName": {"S": stream},
        "position": {"N": str(position)},
        "id": {"S": f"id-{stream}-{position}"},
        "type": {"S": type_},
        "data": {"M": encode_map(data)},
        "metadata": {"M": encode_map(Metadata(trace_id=f"trace-{position}").to_json())},
        "time": {"S": "2026-11-27T20:00:00.000Z"},
        "globalPosition": {"S": f"01JQ00000000000000000000{position:02d}"},
        "category": {"S": stream.split("-")[0]},
        "categoryPartition": {"S": "thing#0"},
    }


def an_event(*images: dict, event_name: str = "INSERT") -> dict:
    return {
        "Records": [
            {
                "eventName": event_name,
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "dynamodb": {"NewImage": image, "SequenceNumber": str(100 + n)},
            }
            for n, image in enumerate(images)
        ]
    }


class Recorder:
    def __init__(self, fail_at: int | None = None):
        self.seen: list[Message] = []
        self.fail_at = fail_at

    def __call__(self, message: Message) -> None:
        if message.position == self.fail_at:
            raise RuntimeError("boom")
        self.seen.append(message)


class CorrelationLogger(logging.LoggerAdapter):
    """Records the correlation ids the runtime sets, as Powertools' Logger would keep them."""

    def __init__(self):
        super().__init__(logging.getLogger("tests.runtime"), {})
        self.correlation_ids: list[str | None] = []

    def set_correlation_id(self, value):
        self.correlation_ids.append(value)


def test_each_message_reaches_the_handler_of_its_type_in_order():
    happened, other = Recorder(), Recorder()
    component = Component("c", {"Happened": happened, "Other": other}, logger=CorrelationLogger())

    response = component.handle_event(
        an_event(an_image(0, n=0), an_image(1, "Other"), an_image(2, n=2), an_image(3, "Unknown"))
    )

    assert response == {"batchItemFailures": []}
    assert [m.position for m in happened.seen] == [0, 2]
    assert [m.position for m in other.seen] == [1]
    assert happened.seen[1].data == {"n": 2}


def test_a_failure_fails_its_record_and_every_record_after_it():
    handler = Recorder(fail_at=1)
    component = Component("c", {"Happened": handler}, logger=CorrelationLogger())

    response = component.handle_event(an_event(*(an_image(p) for p in range(4))))

    assert response == {"batchItemFailures": [{"itemIdentifier": str(s)} for s in (101, 102, 103)]}
    assert [m.position for m in handler.seen] == [0]  # nothing after the failure ran


def test_a_record_that_is_no_message_stops_the_batch_there():
    handler = Recorder()
    broken = an_image(1)
    del broken["data"]
    component = Component("c", {"Happened": handler}, logger=CorrelationLogger())

    response = component.handle_event(an_event(an_image(0), broken, an_image(2)))

    assert response == {"batchItemFailures": [{"itemIdentifier": "101"}, {"itemIdentifier": "102"}]}
    assert [m.position for m in handler.seen] == [0]


def test_the_trace_id_is_the_log_correlation_id_while_a_message_is_handled():
    logger = CorrelationLogger()
    component = Component("c", {"Happened": Recorder()}, logger=logger)

    component.handle_event(an_event(an_image(0), an_image(1)))

    assert logger.correlation_ids == ["trace-0", None, "trace-1", None]


def test_modify_and_remove_records_are_not_messages():
    handler = Recorder()
    component = Component("c", {"Happened": handler}, logger=CorrelationLogger())

    assert component.handle_event(an_event(an_image(0), event_name="REMOVE")) == {
        "batchItemFailures": []
    }
    assert handler.seen == []
