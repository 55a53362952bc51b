"""The home-page view: videos watched in total, and each video's views and details.

The **page** is one partition (``pageId = "home"``): one item per video
(``itemId = "video#{videoId}"``: its name, whether it is published, its views) and the
total's items (``summary…``), summed on read. The home page is one query of it, paged
(``PAGE_SIZE`` published videos a page, by video id; the total's items sort first).

Viewings are **counted apart** from the page, so that a viral video's batches — at least
1,000 a second in the Queues topology, where a batch holds at most 10 messages — do not
all write one item and one partition:

- each viewing stream of a video is counted in a **count item** of its own shard
  (aggregator key ``{videoId}|views{shard}``, table key ``pageId = "{videoId}|views{shard}"``,
  ``itemId = "count"``; ``viewing-{videoId}``, from before the shards, in shard 0's), which
  keeps the stream's last position applied (the guard against counting twice) and is the
  viewer's **confirmation**: it says how far its stream is applied and the video's views
  then, with the viewing counted (``videoViews``), so a viewer waits on their stream's
  item, not on the page's partition (read your writes, however hot the page);
- the total is raised in the same transaction, in one of ``TOTAL_SHARDS`` counters in
  partitions of their own (``pageId = "total#{n}"``);
- a **roll-up** (``roll_up``, run by the home-page roll-up function on this table's own
  stream, at most about once a second per stream shard) sums a video's count items into
  its page item (``rolledViews``) and into a **snapshot** (``pageId = "{videoId}|rolled"``:
  the sum and each shard's count), and the total's counters into ``summary#rolled``.
  Others' viewings reach the page one roll-up late; a viewer's own, never: their
  confirmation's ``videoViews`` is the snapshot with their shard's current count.

A **rebuild** counts a video's viewings together, in one **rebuilt count** item
(``{videoId}|rebuilt``, a partition of its own: every viewing replayed, with each of the
video's streams' last position — 128 shards' positions take a few hundred bytes), not in
its count items: a replay writes an item a video, not one a viewing shard. Live viewings
after it are counted in the count items as ever; a count item a rebuild left absent takes
its stream's position from the rebuilt count when it is first loaded (read with the count
items, in the same request: ``load``), so a viewing both replayed and delivered live counts
once. A video's views are what its page
item counted before the count items (``views``), its rebuilt count and its count items.

A video's page item written before the count items keeps the views it counted then
(``views``); the page shows those plus ``rolledViews``. Items counted before keep their old
positions, so the view is rebuilt once after the change (docs/operations.md).
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from message_store import cardinal_id, category
from message_store import id as stream_id
from message_store.aws import error_code
from message_store.view_item import PART_SEPARATOR, ViewItem, entity_of, part_key
from message_store.views import (
    POSITIONS,
    DynamoViewRepository,
    ViewUnavailableError,
    decode_positions,
    encode_attributes,
)

from ..contracts.viewing import CATEGORY as VIEWING
from ..contracts.viewing import SHARDS

PAGE_ID = "home"
#: The total's items on the page are ``summary…``: ``summary#rolled`` (the roll-up's sum of
#: the counters) and, from before, ``summary`` and ``summary#{n}`` (counters kept there).
SUMMARY_ID = "summary"
ROLLED_TOTAL_ID = f"{SUMMARY_ID}#rolled"
#: Counters of the total, each in a partition of its own (``total#{n}``): at 1,000
#: batches/s (a viral video, 10-message batches) 16 transactions/s each, under half of what
#: concurrent transactions on one item sustain.
TOTAL_SHARDS = 64
TOTAL_PREFIX = "total#"
VIDEO_PREFIX = "video#"
#: the ``itemId`` of a count item and of a total's counter (their ``pageId`` names them)
COUNT_ID = "count"
#: the ``itemId`` of a video's snapshot (``pageId = "{videoId}|rolled"``)
ROLLED_ID = "rolled"
_ROLLED_PART = "rolled"
_REBUILT_PART = "rebuilt"
_TRANSACTION_LIMIT = 100
#: Published videos a home page shows; the next page starts after the last one's id.
PAGE_SIZE = 24
#: what a home page reads of each item: what it shows
_SHOWN = (
    "itemId",
    "videoId",
    "views",
    "rolledViews",
    "name",
    "published",
    "transcodedUri",
    "videosWatched",
)


@dataclass(frozen=True)
class VideoSummary:
    """One video on the home page (in a count item: the viewings of its shard's streams)."""

    video_id: str = ""
    views: int = 0
    name: str | None = None
    published: bool = False
    transcoded_uri: str | None = None


@dataclass(frozen=True)
class HomePage:
    """What the home page shows: the total, a page of published videos, where the next starts."""

    videos_watched: int
    videos: list[VideoSummary]
    next_after: str | None = None


@dataclass(frozen=True)
class Confirmation:
    """What the view has applied of one stream: its last position, and the video's views."""

    stream_name: str
    position: int
    video_id: str
    views: int


@dataclass(frozen=True)
class Snapshot:
    """A video's last roll-up: its views (with what its page item counted before the count
    items), and each shard's count then."""

    views: int = 0
    counts: tuple[int, ...] = ()

    def count(self, shard: int) -> int:
        """Shard ``shard``'s count in this roll-up."""
        return self.counts[shard] if shard < len(self.counts) else 0


def total_item_id(shard: int) -> str:
    """The ``pageId`` of the total's counter ``shard``."""
    return f"{TOTAL_PREFIX}{shard}"


def count_key(video_id: str, shard: int) -> str:
    """The aggregator key of the count item of ``video_id``'s viewing shard ``shard``."""
    return part_key(video_id, f"views{shard}")


def count_key_of(stream_name: str) -> str | None:
    """The count item a viewing stream is counted in (``viewing-{videoId}+{shard}``: its
    shard's; ``viewing-{videoId}``, from before the shards: shard 0's); ``None`` for any
    other stream."""
    video_id = cardinal_id(stream_name)
    if video_id is None or category(stream_name) != VIEWING:
        return None
    _, _, shard = (stream_id(stream_name) or "").partition("+")
    return count_key(video_id, int(shard) % SHARDS if shard.isdigit() else 0)


def rebuilt_key(video_id: str) -> str:
    """The aggregator key of the item a rebuild counts ``video_id``'s viewings in."""
    return part_key(video_id, _REBUILT_PART)


def rebuilt_key_of(stream_name: str) -> str | None:
    """The rebuilt count a viewing stream is replayed into (its video's); ``None`` for any
    other stream."""
    counted_in = count_key_of(stream_name)
    return rebuilt_key(entity_of(counted_in)) if counted_in is not None else None


def _shard_of_key(key: str) -> int:
    return int(key.rsplit("|views", 1)[1])


def _is_count_key(key: str) -> bool:
    """Whether ``key`` is a count item's (``{videoId}|views{n}``)."""
    return PART_SEPARATOR in key and key.rsplit(PART_SEPARATOR, 1)[1].startswith("views")


def _is_total(item_id: str) -> bool:
    return item_id == SUMMARY_ID or item_id.startswith(f"{SUMMARY_ID}#")


def _key(item_key: str) -> dict[str, str]:
    """The table key of an aggregator key: a video's page item, or a count item."""
    if PART_SEPARATOR in item_key:
        return {"pageId": item_key, "itemId": COUNT_ID}
    return {"pageId": PAGE_ID, "itemId": f"{VIDEO_PREFIX}{item_key}"}


def _encode_key(video_id: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in _key(video_id).items()}


def _to_attributes(video: VideoSummary) -> dict[str, Any]:
    return {
        "videoId": video.video_id,
        "views": video.views,
        "name": video.name,
        "published": video.published,
        "transcodedUri": video.transcoded_uri,
    }


def _from_attributes(values: dict[str, Any]) -> VideoSummary:
    return VideoSummary(
        video_id=values.get("videoId", ""),
        views=int(values.get("views", 0)),
        name=values.get("name"),
        published=bool(values.get("published", False)),
        transcoded_uri=values.get("transcodedUri"),
    )


def _shown(values: dict[str, Any]) -> VideoSummary:
    """A page item as the page shows it: its views from before the count items and since."""
    video = _from_attributes(values)
    rolled = int(values.get("rolledViews", 0))
    return VideoSummary(
        video.video_id, video.views + rolled, video.name, video.published, video.transcoded_uri
    )


def _snapshot_key(video_id: str) -> dict[str, str]:
    return {"pageId": part_key(video_id, _ROLLED_PART), "itemId": ROLLED_ID}


def _snapshot_of(values: Mapping[str, Any]) -> Snapshot:
    return Snapshot(int(values.get("views", 0)), _decode_counts(str(values.get("counts", ""))))


def _encode_counts(counts: Sequence[int]) -> str:
    return ",".join(str(count) for count in counts)


def _decode_counts(text: str) -> tuple[int, ...]:
    return tuple(int(entry) for entry in text.split(",")) if text else ()


class HomePageViews(DynamoViewRepository[VideoSummary]):
    """The home-page view table (``HOME_PAGE_VIEW_TABLE``)."""

    def __init__(
        self,
        table_name: str,
        client: Any | None = None,
        *,
        choose_shard: Any = None,
    ) -> None:
        #: which counter a save adds to (random: the writers spread evenly)
        self.choose_shard = choose_shard or (lambda: random.randrange(TOTAL_SHARDS))  # noqa: S311 - spread, not secrecy
        #: whether a save reads the snapshots for its confirmations (not in a replay)
        self.confirms = True
        #: the snapshots ``load`` read with the count items, for this thread's ``save``
        self._loaded = threading.local()
        super().__init__(
            table_name,
            key_of=_key,
            to_attributes=_to_attributes,
            from_attributes=_from_attributes,
            client=client,
        )

    def home_page(
        self, *, after: str | None = None, page_size: int = PAGE_SIZE, consistent: bool = False
    ) -> HomePage:
        """A page of the home page: the total and the published videos after ``after``.

        The first page is one query of the home partition (the total's items sort first,
        and are summed); a later one adds a query of the total's items. ``consistent``:
        strongly consistent (twice the read units).
        """
        request: dict[str, Any] = {
            "KeyConditionExpression": "pageId = :page",
            "FilterExpression": "published = :yes OR begins_with(itemId, :summary)",
            "ExpressionAttributeValues": {
                ":page": {"S": PAGE_ID},
                ":yes": {"BOOL": True},
                ":summary": {"S": SUMMARY_ID},
            },
            "ProjectionExpression": ", ".join(f"#shown{n}" for n in range(len(_SHOWN))),
            "ExpressionAttributeNames": {f"#shown{n}": name for n, name in enumerate(_SHOWN)},
            "ConsistentRead": consistent,
            # what a page shows and no more (a query's read units are the items it reads):
            # the total's items (``summary#rolled``, and ``summary`` from before), a page
            # and one more video, which says there is a next page; counters from before
            # (``summary#{n}``) take further requests of the same query
            "Limit": page_size + 3,
        }
        total = 0
        if after is not None:
            request["ExclusiveStartKey"] = _encode_key(after)
            total = self._total(consistent)
        videos: list[VideoSummary] = []
        for values in self.query(**request):
            if _is_total(values["itemId"]):
                total += int(values.get("videosWatched", 0))
                continue
            videos.append(_shown(values))
            if len(videos) > page_size:
                break
        next_after = videos[page_size - 1].video_id if len(videos) > page_size else None
        shown = sorted(videos[:page_size], key=lambda v: (-v.views, v.name or "", v.video_id))
        return HomePage(videos_watched=total, videos=shown, next_after=next_after)

    def get(self, key: str) -> VideoSummary | None:
        """Video ``key`` as the page shows it (strongly consistent), or ``None``; a count
        item's own count for a count key."""
        values = self._read(key)
        if values is None:
            return None
        return _shown(values) if PART_SEPARATOR not in key else _from_attributes(values)

    def has_applied(self, key: str, stream_name: str, position: int) -> bool:
        """Whether video ``key`` has applied ``stream_name`` up to ``position`` (a viewing
        stream of the video: in the count item that counts it, or else in the video's
        rebuilt count)."""
        counted_in = count_key_of(stream_name)
        if counted_in is None or entity_of(counted_in) != key:
            return super().has_applied(key, stream_name, position)
        return super().has_applied(counted_in, stream_name, position) or super().has_applied(
            rebuilt_key(key), stream_name, position
        )

    def for_replay(self) -> HomePageViews:
        """This view without confirmations' snapshots: a rebuild has no viewer waiting on
        it, and each batch would read a snapshot a video (the roll-up still follows it)."""
        replaying = copy.copy(self)
        replaying.confirms = False
        replaying._loaded = threading.local()
        return replaying

    def load(self, keys: Sequence[str]) -> dict[str, ViewItem[VideoSummary]]:
        """The stored items among ``keys`` and, in the same request, the snapshots and the
        rebuilt counts of the videos whose count items they are (strongly consistent): what
        ``save`` needs for their confirmations, and where a count item a rebuild left absent
        starts, without a request more on the viewer's path."""
        videos = sorted({entity_of(k) for k in keys if _is_count_key(k)}) if self.confirms else []
        if not videos:
            self._loaded.snapshots = {}
            return self._with_rebuilt_positions(keys, self._stored(super().load(keys)))
        rebuilt = [rebuilt_key(video) for video in videos if rebuilt_key(video) not in keys]
        rows = list(
            self.batch_get(
                [*map(_key, keys), *map(_snapshot_key, videos), *map(_key, rebuilt)],
                consistent=True,
            )
        )
        self._loaded.snapshots = {
            entity_of(values["pageId"]): _snapshot_of(values)
            for values in rows
            if values.get("itemId") == ROLLED_ID
        }
        apart = {*rebuilt, *(_snapshot_key(video)["pageId"] for video in videos)}
        replayed = {
            entity_of(key): item.positions
            for key, item in self.items_of(
                rebuilt, [row for row in rows if row["pageId"] in rebuilt]
            ).items()
        }
        found = self.items_of(keys, [row for row in rows if row["pageId"] not in apart])
        return self._with_rebuilt_positions(
            keys, self._stored(found), {video: replayed.get(video, {}) for video in videos}
        )

    def _stored(
        self, found: dict[str, ViewItem[VideoSummary]]
    ) -> dict[str, ViewItem[VideoSummary]]:
        """``found``, its page items remembered for this thread's ``save`` (one the roll-up
        made, never written by the aggregator, is updated, not put)."""
        stored = getattr(self._loaded, "stored", None) or set()
        self._loaded.stored = stored | {k for k in found if PART_SEPARATOR not in k}
        return found

    def _with_rebuilt_positions(
        self,
        keys: Sequence[str],
        found: dict[str, ViewItem[VideoSummary]],
        read: Mapping[str, dict[str, int]] | None = None,
    ) -> dict[str, ViewItem[VideoSummary]]:
        """``found``, and each count item among ``keys`` that is not stored yet as its
        video's rebuilt count leaves it: no viewings, its streams' positions as replayed
        (``read``: the rebuilt counts' positions, read with the count items; a video not
        there costs a request more, only when one of its count items is absent)."""
        absent = [k for k in keys if k not in found and _is_count_key(k)]
        if not absent:
            return found
        replayed: dict[str, dict[str, int]] = dict(read or {})
        unknown = [
            rebuilt_key(video)
            for video in sorted({entity_of(k) for k in absent})
            if video not in replayed
        ]
        if unknown:
            rows = self.batch_get(
                [_key(k) for k in unknown], consistent=True, attributes=(POSITIONS,)
            )
            for key, item in self.items_of(unknown, rows).items():
                replayed[entity_of(key)] = item.positions
        for key in absent:
            stored = replayed.get(entity_of(key), {})
            positions = {s: p for s, p in stored.items() if count_key_of(s) == key}
            if positions:
                found[key] = ViewItem(key, VideoSummary(), positions)
        return found

    def confirmation(self, stream_name: str, *, rebuilt: bool = False) -> Confirmation | None:
        """What the view has applied of ``stream_name`` (strongly consistent; its count
        item, in a partition of its own), or ``None`` before its first message is applied.
        ``rebuilt``: failing that, what a rebuild applied of it (its video's rebuilt count:
        a request more, so asked once a viewer's wait is over, not on every look)."""
        key = count_key_of(stream_name)
        if key is None:
            return None
        values = self._read(key)
        if values is not None:
            position = decode_positions(key, values.get(POSITIONS) or {}).get(stream_name, -1)
            if position >= 0:
                return Confirmation(
                    stream_name,
                    position,
                    entity_of(key),
                    int(values.get("videoViews", values.get("views", 0))),
                )
        if not rebuilt:
            return None
        # applied by a rebuild only: its rebuilt count says how far
        video_id = entity_of(key)
        replayed = self._read(rebuilt_key(video_id))
        if replayed is None:
            return None
        stored = replayed.get(POSITIONS) or {}
        position = decode_positions(rebuilt_key(video_id), stored).get(stream_name, -1)
        if position < 0:
            return None
        return Confirmation(stream_name, position, video_id, self.counted(video_id))

    def views_of(self, video_ids: Sequence[str]) -> dict[str, int]:
        """The views of each of ``video_ids`` the view knows, as the page shows them
        (eventually consistent; what a page copy keeps of the videos its page does not
        show): from each video's snapshot, in a partition of its own, so that a copy's
        refresh reads the page's partition once; from its page item for a video never
        rolled up."""
        wanted = list(dict.fromkeys(video_ids))
        found = {
            video_id: snapshot.views
            for video_id, snapshot in self._snapshots(wanted, always=True).items()
        }
        unrolled = [video_id for video_id in wanted if video_id not in found]
        if unrolled:
            for values in self.batch_get(
                [_key(video_id) for video_id in unrolled],
                consistent=False,
                attributes=("videoId", "views", "rolledViews"),
            ):
                found[str(values.get("videoId", ""))] = _shown(values).views
        return found

    def _total(self, consistent: bool) -> int:
        """The total: its items on the page summed (one query: they sort before the videos)."""
        request = {
            "KeyConditionExpression": "pageId = :page AND begins_with(itemId, :summary)",
            "ExpressionAttributeValues": {
                ":page": {"S": PAGE_ID},
                ":summary": {"S": SUMMARY_ID},
            },
            "ProjectionExpression": "videosWatched",
            "ConsistentRead": consistent,
        }
        return sum(int(values.get("videosWatched", 0)) for values in self.query(**request))

    # -- writing: the aggregator ---------------------------------------------------------

    def save(
        self, changes: Sequence[tuple[ViewItem[VideoSummary], ViewItem[VideoSummary]]]
    ) -> None:
        """Each changed item once, the total raised by the viewings the count items gained
        (in one of its counters, chosen by ``choose_shard``), atomically: a transaction
        holds up to 100 items, so a larger batch takes several, each with its own gain.

        A count item carries its confirmation: the video's views with its viewings counted
        (``videoViews``: the video's snapshot, its shards in this batch at their new
        counts). A page item is updated, not replaced: what the roll-up wrote stays (one
        neither loaded nor written before is put: a rebuild writes every page item new,
        and the emulator checks an ``Update`` of eight attributes tens of times as slowly).
        """
        videos = {entity_of(after.key) for _, after in changes if _is_count_key(after.key)}
        # read by ``load`` with the count items (a video without one has none yet)
        loaded: dict[str, Snapshot] | None = getattr(self._loaded, "snapshots", None)
        self._loaded.snapshots = None
        stored: set[str] = getattr(self._loaded, "stored", None) or set()
        self._loaded.stored = None
        snapshots = loaded if loaded is not None else self._snapshots(videos)
        batch_counts: dict[str, dict[int, int]] = {}
        for _, after in changes:
            if _is_count_key(after.key):
                shards = batch_counts.setdefault(entity_of(after.key), {})
                shards[_shard_of_key(after.key)] = after.state.views
        room = _TRANSACTION_LIMIT - 1  # one place for the total's counter
        operations: list[dict[str, Any]] = []
        gained = 0
        for before, after in changes:
            if len(operations) == room:
                self._commit(operations, gained)
                operations, gained = [], 0
            if _is_count_key(after.key):
                video_id = entity_of(after.key)
                snapshot = snapshots.get(video_id, Snapshot())
                counts = batch_counts[video_id]
                video_views = snapshot.views + sum(
                    count - snapshot.count(shard) for shard, count in counts.items()
                )
                put = self.put_request(before, after)
                put["Item"]["videoViews"] = {"N": str(max(video_views, after.state.views))}
                operations.append({"Put": put})
                gained += after.state.views - before.state.views
            elif PART_SEPARATOR in after.key:  # a rebuilt count
                operations.append({"Put": self.put_request(before, after)})
                gained += after.state.views - before.state.views
            elif before.version < 0 and after.key not in stored:
                operations.append({"Put": self._new_page_item(before, after)})
            else:
                operations.append({"Update": self._page_item_update(before, after)})
        if operations:
            self._commit(operations, gained)

    def _snapshots(self, video_ids: Iterable[str], *, always: bool = False) -> dict[str, Snapshot]:
        """The last roll-up of each of ``video_ids`` (eventually consistent), when it has one
        (none in a replay, unless ``always``)."""
        wanted = sorted(video_ids)
        if not wanted or not (self.confirms or always):
            return {}
        found = self.batch_get([_snapshot_key(v) for v in wanted], consistent=False)
        return {entity_of(values["pageId"]): _snapshot_of(values) for values in found}

    def _new_page_item(
        self, before: ViewItem[VideoSummary], after: ViewItem[VideoSummary]
    ) -> dict[str, Any]:
        """The ``Put`` of a video's page item not stored yet (a rebuild's, or a video's first
        message): on the condition that no roll-up made it meanwhile (its figures would be
        lost: a write that meets one is folded again, the item loaded, and updated)."""
        put = self.put_request(before, after)
        put["ConditionExpression"] = (
            "attribute_not_exists(#version) AND attribute_not_exists(#rolled)"
        )
        put["ExpressionAttributeNames"] = {"#version": "version", "#rolled": "rolledViews"}
        return put

    def _page_item_update(
        self, before: ViewItem[VideoSummary], after: ViewItem[VideoSummary]
    ) -> dict[str, Any]:
        """The conditional ``Update`` of a video's page item to ``after`` (as ``put_request``
        would put it, but keeping the attributes the roll-up owns)."""
        put = self.put_request(before, after)
        item = put["Item"]
        key = _encode_key(after.key)
        names = {"#version": "version"}
        values = dict(put.get("ExpressionAttributeValues", {}))
        sets, removes = [], []
        for n, name in enumerate(("videoId", "views", "name", "published", "transcodedUri")):
            names[f"#a{n}"] = name
            if name in item:
                sets.append(f"#a{n} = :a{n}")
                values[f":a{n}"] = item[name]
            else:
                removes.append(f"#a{n}")
        names["#positions"] = POSITIONS
        sets += ["#positions = :positions", "#version = :next"]
        values[":positions"] = item[POSITIONS]
        values[":next"] = item["version"]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return {
            "TableName": self.table_name,
            "Key": key,
            "UpdateExpression": expression,
            "ConditionExpression": put["ConditionExpression"],
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _commit(self, operations: list[dict[str, Any]], gained: int) -> None:
        """One transaction of ``operations``, a counter of the total raised by ``gained``."""
        if gained:
            operations.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": {
                            "pageId": {"S": total_item_id(self.choose_shard())},
                            "itemId": {"S": COUNT_ID},
                        },
                        "UpdateExpression": "ADD videosWatched :gained",
                        "ExpressionAttributeValues": {":gained": {"N": str(gained)}},
                    }
                }
            )
        self.transact(operations)

    # -- writing: the roll-up ------------------------------------------------------------

    def roll_up(self, video_ids: Iterable[str]) -> None:
        """Sum each video's count items into its page item (``rolledViews``) and its snapshot,
        and the total's counters into ``summary#rolled``.

        Reads are strongly consistent, so a roll-up that follows a count item's write
        includes it; each write only ever raises what it replaces (a roll-up that read
        less, finishing after one that read more, changes nothing). Each write follows
        its own read at once (the total first), so the two are as close as they can be.
        """
        counters = self.batch_get(
            [{"pageId": total_item_id(n), "itemId": COUNT_ID} for n in range(TOTAL_SHARDS)],
            consistent=True,
            attributes=("videosWatched",),
        )
        watched = sum(int(values.get("videosWatched", 0)) for values in counters)
        self._raise({"pageId": PAGE_ID, "itemId": ROLLED_TOTAL_ID}, {"videosWatched": watched})
        for video_id in sorted(set(video_ids)):
            self._roll_video(video_id)

    def counted(self, video_id: str) -> int:
        """Video ``video_id``'s views as counted now, every viewing applied so far included
        (strongly consistent: its count items summed, with what its page item counted before
        them and its rebuilt count) — what the page shows once rolled up."""
        before, rebuilt, counts = self._counts(video_id)
        return before + rebuilt + sum(counts)

    def _counts(self, video_id: str) -> tuple[int, int, list[int]]:
        """What the video's page item counted before the count items, its rebuilt count, and
        each shard's count."""
        keys = [_key(count_key(video_id, shard)) for shard in range(SHARDS)]
        counts = [0] * SHARDS
        before = rebuilt = 0
        for values in self.batch_get(
            [_key(video_id), _key(rebuilt_key(video_id)), *keys],
            consistent=True,
            attributes=("views",),
        ):
            if values["pageId"] == PAGE_ID:
                before = int(values.get("views", 0))
            elif _is_count_key(values["pageId"]):
                counts[_shard_of_key(values["pageId"])] = int(values.get("views", 0))
            else:
                rebuilt = int(values.get("views", 0))
        return before, rebuilt, counts

    def _roll_video(self, video_id: str) -> None:
        before, rebuilt, counts = self._counts(video_id)
        rolled = rebuilt + sum(counts)
        self._raise(_key(video_id), {"rolledViews": rolled}, also={"videoId": video_id})
        self._raise(
            _snapshot_key(video_id),
            {"views": before + rolled},
            also={"counts": _encode_counts(counts)},
        )

    def _raise(
        self, key: dict[str, str], raised: dict[str, int], also: dict[str, Any] | None = None
    ) -> None:
        """Set ``raised`` (one number) and ``also`` on item ``key`` if that raises the number."""
        ((name, value),) = raised.items()
        fields = {name: value, **(also or {})}
        names = {f"#f{n}": field for n, field in enumerate(fields)}
        values = {f":f{n}": v for n, v in enumerate(fields.values())}
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=encode_attributes(key),
                UpdateExpression="SET " + ", ".join(f"#f{n} = :f{n}" for n in range(len(fields))),
                ConditionExpression="attribute_not_exists(#f0) OR #f0 < :f0",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=encode_attributes(values),
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return  # as high already: another roll-up read as much or more
            raise ViewUnavailableError(f"{self.table_name}: {error_code(exc) or exc}") from exc
