"""Domain errors raised by logic and store; talentpool.http maps each to one status code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class FieldError:
    """A problem with one input field: where it is and what is wrong, in words a person can act on."""

    __slots__ = ("ctx", "kind", "loc", "msg")

    def __init__(
        self, loc: Sequence[str | int], msg: str, *, kind: str = "", ctx: Mapping[str, object] | None = None
    ) -> None:
        self.loc = list(loc)
        self.msg = msg
        # The validator's error type and its limits (pydantic's `type` and `ctx`), so a page can word it for a
        # person; API clients get `msg` only.
        self.kind = kind
        self.ctx = dict(ctx or {})

    def as_dict(self) -> dict[str, object]:
        return {"loc": self.loc, "msg": self.msg}


class TalentpoolError(Exception):
    """Base of every error a client can cause; never a 5xx."""

    code = "error"

    def __init__(
        self, message: str, fields: Sequence[FieldError] = (), *, details: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = list(fields)
        self.details = dict(details) if details else None

    @property
    def headers(self) -> dict[str, str]:
        """Response headers the error calls for, besides the body."""
        return {}


class MalformedRequest(TalentpoolError):
    code = "malformed_request"


class Unauthenticated(TalentpoolError):
    code = "unauthenticated"


class Forbidden(TalentpoolError):
    code = "forbidden"


class NotFound(TalentpoolError):
    code = "not_found"


class CandidateNotFound(NotFound):
    code = "candidate_not_found"


class SegmentNotFound(NotFound):
    code = "segment_not_found"


class Conflict(TalentpoolError):
    code = "conflict"


class StaleVersion(Conflict):
    """If-Match named a version that is no longer current."""

    code = "stale_version"


class PayloadTooLarge(TalentpoolError):
    code = "payload_too_large"


class UnsupportedMediaType(TalentpoolError):
    code = "unsupported_media_type"


class ValidationFailed(TalentpoolError):
    code = "validation_failed"


class RateLimited(TalentpoolError):
    """Too many requests of one kind (emails to one mailbox); the client may try again after `retry_after_s`."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class InvalidToken(TalentpoolError):
    """A signed link that is tampered with, expired, for another purpose, or already used."""

    code = "invalid_token"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class EmailTaken(Exception):
    """Store outcome: the normalised address already belongs to a candidate, so the caller merges."""

    def __init__(self, candidate_id: str) -> None:
        super().__init__(candidate_id)
        self.candidate_id = candidate_id


class VersionConflict(Conflict):
    """The profile changed since it was read: logic re-reads and retries, or the client gets a 409."""

    code = "version_conflict"

    def __init__(self, candidate_id: str | None = None) -> None:
        super().__init__("The candidate was changed by someone else at the same time; reload and try again")
        self.candidate_id = candidate_id


class SubmissionSettled(Exception):
    """Store outcome: another delivery of the same submission already processed it; announce its outcome."""


# --- Outcomes of a store or service call that logic decides on. Adapters raise them (translating ClientError),
# so logic never imports an adapter to catch what one raised.


class NotSent(Exception):
    """The mail service surely did not take the message: nothing was sent, so the caller may try again later."""


class Rejected(Exception):
    """The mail service refused this message permanently; `code` is its error code (no address or content)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SendLogChanged(Exception):
    """Another send for the same candidate wrote the log since it was read: re-read and decide again."""


class EventPublishFailed(Exception):
    """The event bus did not take every event."""


class RunClaimed(Exception):
    """An item for this run id exists already: a duplicate start, or this execution's own earlier attempt."""


class CampaignStateChanged(Exception):
    """Another run of the campaign changed its state since it was read: re-read and decide again."""


class SequenceVersionTaken(Exception):
    """Someone saved a version of this sequence since it was read: the caller reloads (409)."""
