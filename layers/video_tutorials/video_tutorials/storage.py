"""Where videos are kept: one S3 bucket, uploads and published ("transcoded") videos.

- ``uploads/{ownerId}/{videoId}/source``: what a creator's browser posts straight to S3 with
  a presigned POST (size and key fixed by its policy, which real S3 enforces; the emulator
  does not, so video-publishing checks again);
- ``videos/{videoId}/video``: the published video, a copy of the upload ("transcoding" in
  this app), played back through short-lived presigned GET URLs.

The creators portal signs uploads and playback URLs; video-publishing checks and copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from message_store import aws
from message_store.aws import error_code

#: The largest upload accepted (real S3 refuses more through the policy; the component checks).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: How long an upload form and a playback URL stay valid.
UPLOAD_SECONDS = 30 * 60
PLAYBACK_SECONDS = 60 * 60
#: What an upload must start with to be taken for a video (its first bytes, the "magic"),
#: and the media type it is published with.
_VIDEO_SIGNATURES = (
    (4, b"ftyp", "video/mp4"),  # MP4, MOV, 3GP (ISO base media)
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),  # WebM, Matroska
    (0, b"OggS", "video/ogg"),  # Ogg (Theora)
    (8, b"AVI ", "video/x-msvideo"),  # AVI (RIFF)
)


class TranscodeError(Exception):
    """The upload cannot be published, for good (missing, empty, too large, not a video …)."""


class StorageUnavailableError(Exception):
    """S3 failed in a way a retry may fix (throttling, an outage)."""


def upload_prefix(owner_id: str, video_id: str) -> str:
    """Where a creator's upload of one video goes: only they may publish from there."""
    return f"uploads/{owner_id}/{video_id}/"


def upload_key(owner_id: str, video_id: str) -> str:
    """The key of a creator's upload of one video."""
    return f"{upload_prefix(owner_id, video_id)}source"


def published_key(video_id: str) -> str:
    """The key of a published video."""
    return f"videos/{video_id}/video"


def s3_uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


def parse_s3_uri(uri: str) -> tuple[str, str] | None:
    """``(bucket, key)`` of an ``s3://bucket/key`` URI, or ``None`` when it is not one."""
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc or not parts.path.strip("/"):
        return None
    return parts.netloc, parts.path.lstrip("/")


def video_type(head: bytes) -> str | None:
    """The media type of a video whose file starts with ``head``; ``None``: not a video."""
    for offset, magic, media_type in _VIDEO_SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return media_type
    return None


@dataclass(frozen=True)
class Upload:
    """A presigned POST: where the browser's form posts, and the hidden fields it sends."""

    url: str
    fields: dict[str, str]

    @property
    def origin(self) -> str:
        """The bucket's origin (the page's CSP must allow posting there)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


class VideoStorage:
    """The videos bucket (``VIDEOS_BUCKET``), through S3's API."""

    def __init__(self, bucket: str, *, client: Any | None = None) -> None:
        self.bucket = bucket
        self._client = client

    client = aws.LazyClient("s3")

    # -- the creators portal -------------------------------------------------------------

    def presigned_upload(self, owner_id: str, video_id: str, redirect_url: str) -> Upload:
        """The form that posts one video of ``owner_id`` straight to S3, then comes back."""
        key = upload_key(owner_id, video_id)
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"success_action_redirect": redirect_url},
            Conditions=[
                {"success_action_redirect": redirect_url},
                ["content-length-range", 1, MAX_UPLOAD_BYTES],
            ],
            ExpiresIn=UPLOAD_SECONDS,
        )
        return Upload(post["url"], {str(k): str(v) for k, v in post["fields"].items()})

    def bucket_origin(self) -> str:
        """The origin a browser posts uploads to and plays videos from (for the CSP)."""
        probe = self.client.generate_presigned_post(Bucket=self.bucket, Key="probe")
        return Upload(probe["url"], {}).origin

    def playback_url(self, uri: str) -> str | None:
        """A short-lived URL the browser plays a published video from."""
        location = parse_s3_uri(uri)
        if location is None or location[0] != self.bucket:
            return None
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": location[0], "Key": location[1]},
                ExpiresIn=PLAYBACK_SECONDS,
            )
        )

    # -- video-publishing ----------------------------------------------------------------

    def inspect(self, source_uri: str, owner_id: str, video_id: str) -> str:
        """Check an upload can be published; its media type.

        ``TranscodeError`` when it can never be (not this bucket, not the owner's upload of
        this video, missing, empty, too large, not a video): the portal refuses to publish
        it, and video-publishing checks again (the emulator does not enforce S3's policy).
        """
        location = parse_s3_uri(source_uri)
        if location is None or location[0] != self.bucket:
            raise TranscodeError(f"{source_uri} is not in the videos bucket")
        bucket, key = location
        if key != upload_key(owner_id, video_id):
            raise TranscodeError(f"{source_uri} is not this creator's upload of this video")
        size = self._size(bucket, key)
        if size == 0:
            raise TranscodeError("the upload is empty")
        if size > MAX_UPLOAD_BYTES:
            raise TranscodeError(f"the upload is larger than {MAX_UPLOAD_BYTES:,} bytes")
        media_type = video_type(self._head(bucket, key))
        if media_type is None:
            raise TranscodeError("the upload is not a video (MP4, WebM, Ogg or AVI)")
        return media_type

    def transcode(self, source_uri: str, owner_id: str, video_id: str) -> str:
        """Check the upload (``inspect``) and copy it to its published place; its URI."""
        media_type = self.inspect(source_uri, owner_id, video_id)
        bucket, key = parse_s3_uri(source_uri) or ("", "")
        target = published_key(video_id)
        try:
            self.client.copy_object(
                Bucket=bucket,
                Key=target,
                CopySource={"Bucket": bucket, "Key": key},
                ContentType=media_type,
                MetadataDirective="REPLACE",
            )
        except Exception as exc:
            raise _unavailable("CopyObject", exc) from exc
        return s3_uri(bucket, target)

    def _size(self, bucket: str, key: str) -> int:
        try:
            return int(self.client.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except Exception as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                raise TranscodeError("the upload is missing") from exc
            raise _unavailable("HeadObject", exc) from exc

    def _head(self, bucket: str, key: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=bucket, Key=key, Range="bytes=0-15")["Body"]
            return bytes(body.read())
        except Exception as exc:
            raise _unavailable("GetObject", exc) from exc


def _unavailable(operation: str, exc: Exception) -> StorageUnavailableError:
    return StorageUnavailableError(f"S3 {operation} failed: {error_code(exc) or exc}")
