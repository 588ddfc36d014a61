"""A public submission between its answer and its processing: the form as sent, then what came of it."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from talentpool.models.base import Model
from talentpool.models.candidate import CaptureRequest
from talentpool.models.events import CandidateCaptured


class Submission(Model):
    """Kept for the moments between the 202 and the intake function; deleted once announced.

    Processing replaces `request` (the personal data) with `outcome` in the same transaction as the candidate
    write, so a retried delivery announces the same outcome again instead of writing a second time.
    """

    model_config = ConfigDict(extra="ignore")

    submission_id: str
    received_at: str
    request: CaptureRequest | None = Field(default=None, description="The form as sent; gone once processed")
    ip_hash: str | None = None
    user_agent: str | None = None
    outcome: CandidateCaptured | None = Field(default=None, description="What processing announced")
