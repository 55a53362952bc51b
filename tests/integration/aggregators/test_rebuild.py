"""A view dropped and rebuilt from the message store is the view the live consumer built."""

from __future__ import annotations

import uuid

from message_store import MessageStore
from tests.support.streams import stored_items, stream_event
from video_tutorials.contracts.viewing import VideoViewed, viewing_stream
from video_tutorials.rebuild import rebuild


def test_the_home_page_rebuilt_equals_the_live_one(store, home_page, home_page_views, tables):
    videos = [str(uuid.uuid4()) for _ in range(3)]
    for count, video in enumerate(videos, start=1):
        for _ in range(count):
            store.write(viewing_stream(video), VideoViewed(video_id=video).to_message())
    items = [item for v in videos for item in stored_items(store, viewing_stream(v))]
    home_page.handle_event(stream_event(items))
    live = home_page_views.home_page()

    result = rebuild(
        "home-page", MessageStore(store.table_name, settle_window=0), tables["HomePageViewTable"]
    )

    assert result == {"deleted": 4, "replayed": 6}
    assert home_page_views.home_page() == live
