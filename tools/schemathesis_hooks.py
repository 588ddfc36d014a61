"""What Schemathesis cannot learn from docs/openapi.json: who sends which request, and which cursors exist.

The recruiter+admin token (TALENTPOOL_FUZZ_TOKEN) goes on every request but a careers-site submission: POST
/candidates is one operation for two callers, told apart by the token (functions/capture), and no document can
tie a body's shape to a security scheme. A paging cursor is a value the API issued: a made-up one, valid by the
document, is refused with a 422 saying it is not from this listing (talentpool/cursor.py), by design.

Four rules are stated in the document's words but cannot be in its schemas, so the examples leave out what
breaks them (and only that): a sequence's waits summed over its steps; skills counted after splitting
comma-separated values (`skills=a,b` is two of the ten); an address's domain not being a special-use name
(RFC 6761: .test, .local, .invalid, ...), which `format: email` does not exclude and email-validator refuses;
and a `q` holding an @ being a whole address.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import schemathesis
from schemathesis import GenerationMode

from tools.api_fuzz import TOKEN_VARIABLE

CURSOR = "cursor"
SEQUENCE_PATHS = {"/sequences", "/sequences/{sequence_id}"}

_issued: set[str] = set()
_lock = threading.Lock()


def _positive(case: Any) -> bool:
    meta = case.meta
    return meta is None or meta.generation.mode is GenerationMode.POSITIVE


def _from_a_careers_site(case: Any) -> bool:
    body = case.body if isinstance(case.body, dict) else {}
    return (case.method.upper(), case.path) == ("POST", "/candidates") and "consent" in body


@schemathesis.auth(refresh_interval=None, retry_on=[])
class RecruiterToken:
    """The recruiter+admin token, on every request a recruiter would send: a careers site sends none."""

    def get(self, case: Any, context: Any) -> str:
        return os.environ[TOKEN_VARIABLE]

    def set(self, case: Any, data: str, context: Any) -> None:
        if not _from_a_careers_site(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    """Made-up cursors left out of requests meant to be valid; the API's own cursors, and invalid ones, stay."""
    if _positive(case) and case.query and CURSOR in case.query:
        with _lock:
            known = case.query[CURSOR] in _issued
        if not known:
            case.query.pop(CURSOR)


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Remember every next_cursor a page carried: those are the cursors a client can send back."""
    try:
        page = response.json()
    except ValueError:
        return
    cursor = page.get("next_cursor") if isinstance(page, dict) else None
    if isinstance(cursor, str):
        with _lock:
            _issued.add(cursor)


SKILL_LISTS = ("skills", "not_skills")


def _too_many_skills(values: Any) -> bool:
    """Counted as the model counts them: after its own splitting of comma-separated values."""
    from talentpool.models.search import MAX_FILTER_SKILLS, split_skill_list

    try:
        named = split_skill_list(values if isinstance(values, list) else [values])
    except ValueError:
        return False  # refused for being empty, on its own account
    return len(named) > MAX_FILTER_SKILLS


def _special_use(address: Any) -> bool:
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    if not isinstance(address, str) or "@" not in address:
        return False
    domain = address.rsplit("@", 1)[1].rstrip(".").lower()
    return any(domain == name or domain.endswith("." + name) for name in SPECIAL_USE_DOMAIN_NAMES)


def _partial_address(text: Any) -> bool:
    """A `q` with an @ is an address, matched whole, so it must be one (models.search says so in q's description)."""
    from talentpool.models.email_address import normalise_email

    if not isinstance(text, str) or "@" not in text:
        return False
    try:
        normalise_email(text.strip())
    except ValueError:
        return True
    return False


@schemathesis.hook
def filter_query(context: Any, query: Any) -> bool:
    """Skill filters naming more than ten skills once commas are split, and a `q` that is half an address, are
    left out."""
    if not isinstance(query, dict):
        return True
    return not (any(_too_many_skills(query.get(name, [])) for name in SKILL_LISTS) or _partial_address(query.get("q")))


@schemathesis.hook
def filter_body(context: Any, body: Any) -> bool:
    """Bodies that break a rule the schemas cannot state are left out: see the module's docstring."""
    if isinstance(body, dict):
        filters = [body, body.get("filter")]
        if any(isinstance(f, dict) and any(_too_many_skills(f.get(n, [])) for n in SKILL_LISTS) for f in filters):
            return False
        if _special_use(body.get("email")):
            return False
    return _sequence_fits(context, body)


def _sequence_fits(context: Any, body: Any) -> bool:
    """Sequences whose waits add up past what one execution may run are left out of the examples.

    The limit is a sum over the steps (logic.sequences.definitions.check_duration: each delay plus the longest the send
    window can hold a step back, within a year of Step Functions); JSON Schema cannot state a sum across array
    items, so a body the document calls valid may still be refused for it, with a 422 naming the step. Only
    that rule is filtered: every other body, valid or not, is sent.
    """
    operation = context.operation
    if operation is None or operation.path not in SEQUENCE_PATHS or operation.method.upper() not in {"POST", "PUT"}:
        return True
    from pydantic import ValidationError

    from talentpool.errors import ValidationFailed
    from talentpool.logic.sequences.definitions import check_duration
    from talentpool.models.sequences import SequenceDefinition

    try:
        definition = SequenceDefinition.model_validate(body)
    except ValidationError:
        return True  # refused on its own account: the check this filter stands for never runs
    try:
        check_duration(definition)
    except ValidationFailed:
        return False
    return True
