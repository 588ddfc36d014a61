"""The careers form's flat fields map onto the capture model, and errors map back onto the fields."""

from __future__ import annotations

import pytest

from talentpool.models.capture_form import form_field_for, form_to_request


def test_a_complete_form_becomes_the_nested_request():
    body = form_to_request(
        {
            "email": [" a@b.co "],
            "skills": ["Python, Go", "Rust"],
            "desired_roles": ["Data engineer, "],
            "interests": ["events", "job_alerts"],
            "consent": ["yes"],
            "consent_text_version": ["2026-11"],
            "city": ["Porto"],
            "country": ["pt"],
            "years_experience": ["7"],
            "utm_source": [""],
            "source_channel": ["careers_site"],
        }
    )
    assert body == {
        "email": "a@b.co",
        "skills": ["Python", "Go", "Rust"],
        "desired_roles": ["Data engineer"],
        "interests": ["events", "job_alerts"],
        "consent": {"given": True, "text_version": "2026-11"},
        "location": {"city": "Porto", "country": "pt"},
        "years_experience": "7",
        "source": {"channel": "careers_site"},
    }


def test_an_unticked_consent_box_leaves_consent_incomplete_so_validation_names_it():
    assert form_to_request({"email": ["a@b.co"], "consent_text_version": ["v1"]})["consent"] == {"text_version": "v1"}


def test_unknown_form_fields_pass_through_to_be_rejected():
    assert form_to_request({"promo": ["x"]}) == {"promo": "x"}


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (["email"], "email"),
        (["location", "country"], "country"),
        (["location"], "city"),
        (["consent"], "consent"),
        (["consent", "given"], "consent"),
        (["consent", "text_version"], "consent"),
        (["skills", 2], "skills"),
        (["source", "channel"], "form"),
        (["promo"], "form"),
    ],
)
def test_errors_show_at_the_field_a_person_can_fix(loc, field):
    assert form_field_for(loc) == field
