"""Signed links and the small template language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jinja2.exceptions import SecurityError

from talentpool import templating, tokens
from talentpool.errors import InvalidToken
from talentpool.ids import is_id, new_id

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SECRET = b"k" * 32


def test_a_token_round_trips_its_subject_and_nonce():
    token = tokens.sign(SECRET, purpose="confirm", subject="C1", nonce="N1", now=NOW, ttl=timedelta(days=7))
    claims = tokens.verify(SECRET, token, purpose="confirm", now=NOW + timedelta(days=6))
    assert (claims.subject, claims.nonce) == ("C1", "N1")


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), "tampered"),
        (lambda t: "x" + t, "tampered"),
        (lambda t: t.split(".")[0], "malformed"),
        (lambda t: "", "malformed"),
    ],
)
def test_a_mangled_token_is_refused_with_a_reason(mangle, reason):
    token = tokens.sign(SECRET, purpose="confirm", subject="C1", now=NOW, ttl=timedelta(days=1))
    with pytest.raises(InvalidToken) as error:
        tokens.verify(SECRET, mangle(token), purpose="confirm", now=NOW)
    assert error.value.reason == reason


def test_a_token_for_another_purpose_or_key_or_time_is_refused():
    token = tokens.sign(SECRET, purpose="unsubscribe", subject="C1", now=NOW, ttl=timedelta(days=1))
    with pytest.raises(InvalidToken):
        tokens.verify(SECRET, token, purpose="confirm", now=NOW)
    with pytest.raises(InvalidToken):
        tokens.verify(b"other", token, purpose="unsubscribe", now=NOW)
    with pytest.raises(InvalidToken) as error:
        tokens.verify(SECRET, token, purpose="unsubscribe", now=NOW + timedelta(days=2))
    assert error.value.reason == "expired"


def test_templates_escape_html_and_use_fallbacks():
    rendered = templating.render("Hi {{first_name|there}}, {{x}} {{{raw}}}", {"x": "<b>", "raw": "<i>ok</i>"})
    assert rendered == "Hi there, &lt;b&gt; <i>ok</i>"
    assert templating.render("{{x}}", {"x": "<b>"}, escape=False) == "<b>"


def test_unknown_placeholders_are_found_before_sending():
    with pytest.raises(templating.UnknownPlaceholder) as error:
        templating.check("Hi {{first_name}} {{favourite_colour|blue}}", {"first_name"})
    assert error.value.names == {"favourite_colour"}


def test_a_template_that_would_not_render_is_refused_when_saved_naming_the_line():
    # Given a body with a broken tag on its second line
    with pytest.raises(templating.TemplateInvalid) as error:
        templating.check("Hi {{first_name}}\n{% if first_name %}no end", {"first_name"})
    # Then the problem is named, with its line, before anything is sent
    assert "line 2" in str(error.value)


def test_recruiters_templates_render_in_the_sandbox():
    # Given a template that reaches for Python internals through a known token
    template = "{{ first_name.__class__.__mro__ }}"
    templating.check(template, {"first_name"})  # its names are all known

    # When it is sent, the sandbox refuses the unsafe attribute rather than running it
    with pytest.raises(SecurityError):
        templating.render(template, {"first_name": "Ana"})


def test_a_known_token_without_a_value_shows_its_fallback_never_fails_a_send():
    assert templating.render("Hi {{first_name|there}} {{city}}!", {}) == "Hi there !"


def test_ids_are_time_ordered_and_recognisable():
    earlier, later = new_id(1_000), new_id(2_000)
    assert earlier < later
    assert is_id(earlier) and not is_id("nope")
