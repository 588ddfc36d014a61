"""Normalisation and validation rules of the capture models."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from talentpool.models.candidate import CaptureRequest
from talentpool.models.email_address import normalise_email
from tests import factories


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ana@Example.COM ", "ana@example.com"),
        ("jo@Bücher.de", "jo@xn--bcher-kva.de"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
        ("x@example.com.", "x@example.com"),
    ],
)
def test_emails_normalise_to_one_form(raw, expected):
    assert normalise_email(raw) == expected


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
    ],
)
def test_bad_emails_are_refused(raw):
    with pytest.raises(ValueError, match=r"not valid|must be|longer"):
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
