"""Normalisation and validation rules of the capture models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from talentpool.models.candidate import CaptureRequest
from talentpool.models.email_address import email_identity, mailbox_key, normalise_email
from talentpool.models.text import folded, multi_line, single_line
from tests import factories


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ana@Example.COM ", "Ana@example.com"),
        ("jo@Bücher.de", "jo@xn--bcher-kva.de"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("Zoë@Example.com", "Zoë@example.com"),
    ],
)
def test_emails_keep_the_local_part_and_normalise_the_domain(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [("Ana@example.com", "ana@example.com"), ("ANA.SILVA@example.com", "ana.silva@example.com")],
)
def test_case_variants_are_one_identity(first, second):
    assert email_identity(normalise_email(first)) == email_identity(normalise_email(second))


@pytest.mark.parametrize(
    ("first", "second"), [("ana@gmail.com", "ana+x@gmail.com"), ("ana@gmail.com", "a.na@gmail.com")]
)
def test_plus_and_dot_variants_are_different_identities_but_one_mailbox(first, second):
    assert email_identity(first) != email_identity(second)
    assert mailbox_key(first) == mailbox_key(second)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ana",
        "ana@",
        "@example.com",
        "a@b",
        "a b@example.com",
        "a@@example.com",
        "a..b@example.com",
        ".a@example.com",
        "a@-example.com",
        "a@example.123",
        "a" * 65 + "@example.com",
        "x@example.com.",
        "ana@example.com\n",
        "ana\n@example.com",
        "ana@example.com\r\nBcc: x@example.com",
        "ana\x00@example.com",
        '"quoted"@example.com',
        "ana@[192.0.2.1]",
        "ana@localhost",
    ],
)
def test_bad_emails_are_refused(raw):
    with pytest.raises(ValueError, match=r"."):  # any reason: each is the library's own sentence
        normalise_email(raw)


def test_lists_are_cleaned_and_deduplicated():
    request = CaptureRequest.model_validate(
        factories.capture_body(
            skills=["  Machine   Learning ", "machine learning", "SQL"], interests=["events", "events"]
        )
    )
    assert request.skills == ["machine learning", "sql"]
    assert [i.value for i in request.interests] == ["events"]


def test_country_code_is_upper_cased_and_checked():
    request = CaptureRequest.model_validate(factories.capture_body(location={"country": "de"}))
    assert request.location and request.location.country == "DE"
    with pytest.raises(ValidationError):
        CaptureRequest.model_validate(factories.capture_body(location={"country": "ZZ"}))


def test_consent_must_be_given():
    with pytest.raises(ValidationError) as error:
        CaptureRequest.model_validate(factories.capture_body(consent={"given": False, "text_version": "v1"}))
    assert error.value.errors()[0]["loc"] == ("consent", "given")


def test_linkedin_url_must_be_linkedin_over_https():
    ok = factories.capture_body(linkedin_url="https://www.linkedin.com/in/ana")
    assert CaptureRequest.model_validate(ok).linkedin_url == "https://www.linkedin.com/in/ana"
    for bad in ["http://www.linkedin.com/in/ana", "https://linkedin.com.evil.example/in/ana", "javascript:x"]:
        with pytest.raises(ValidationError):
            CaptureRequest.model_validate(factories.capture_body(linkedin_url=bad))


@pytest.mark.parametrize("name", ["Zoë", "Ñandú", "李", "O'Brien-Smith", "Anne Marie", "Ελένη", "محمد"])
def test_names_in_any_script_are_kept_exactly(name):
    request = CaptureRequest.model_validate(factories.capture_body(first_name=name))
    assert request.first_name == name


@pytest.mark.parametrize(
    "bad",
    [
        "Ana\r\nBcc: x",
        "Ana\nSilva",
        "Ana\x00",
        "Ana\x07",
        "Ana\x7f",
        "A\x85na",
        "Ana\u202eavlis",
        "Ana\u2066x\u2069",
        "Ana\u200b",
        "An\u200da",
        "Ana\ufeff",
        "Ana\u2028Silva",
        "Ana\ud800",
    ],
)
def test_control_bidi_and_invisible_characters_are_refused_in_names(bad):
    with pytest.raises(ValidationError) as error:
        CaptureRequest.model_validate(factories.capture_body(first_name=bad))
    assert error.value.errors()[0]["loc"] == ("first_name",)


def test_multi_line_text_keeps_its_line_breaks_and_refuses_other_controls():
    assert multi_line("Met at the fair.\nStrong Python.\tFollow up") == "Met at the fair.\nStrong Python.\tFollow up"
    with pytest.raises(ValueError, match="U\\+202E"):
        multi_line("note \u202e")
    with pytest.raises(ValueError, match="U\\+000A"):
        single_line("two\nlines")


def test_folding_ignores_case_accents_and_spacing():
    assert folded("  ZOË   Ñandú ") == "zoe nandu"
    assert folded("李") == "李"
