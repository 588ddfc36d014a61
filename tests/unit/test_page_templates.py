"""Pages from templates: human wording for field errors, the error summary, the layout, and a deployment's overrides."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest

from talentpool import templating
from talentpool.config import SiteEnv, load
from talentpool.errors import FieldError
from talentpool.http import validation_error
from talentpool.models.candidate import CaptureRequest
from talentpool.views import pages
from talentpool.views.forms import human


def _errors_for(body: dict[str, object]) -> list[FieldError]:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as raised:
        CaptureRequest.model_validate(body)
    return validation_error(raised.value.errors()).fields  # type: ignore[arg-type] # pydantic's ErrorDetails


@pytest.mark.parametrize(
    ("kind", "ctx", "field", "wording"),
    [
        ("missing", {}, "email", "Enter your email address"),
        ("string_too_long", {"max_length": 100}, "city", "Shorten your city to 100 characters or fewer"),
        ("int_parsing", {}, "years_experience", "Enter your years of experience as a whole number"),
        ("less_than_equal", {"le": 60}, "years_experience", "Enter your years of experience as 60 or less"),
        ("enum", {"expected": "'a' or 'b'"}, "interests", "Choose one of the options for the topics"),
        ("something_new", {}, "phone", "Check your phone number: it is not in a form we can accept"),
    ],
)
def test_a_field_error_is_a_sentence_a_person_can_act_on(
    kind: str, ctx: dict[str, object], field: str, wording: str
) -> None:
    assert human(FieldError([field], "Input should be whatever pydantic says", kind=kind, ctx=ctx), field) == wording


def test_the_careers_page_never_shows_pydantic_text_and_links_each_error_to_its_field() -> None:
    # Given a form with a number out of range and a name too long
    errors = _errors_for(
        {"email": "ana@example.com", "first_name": "A" * 101, "years_experience": 99, "consent": {"given": True}}
    )

    # When the page is shown again with them
    page = pages.careers_form(consent_text_version="v1", errors=errors)

    # Then the summary links to each field, in words, and each field says the same under it
    assert '<a href="#first_name">Shorten your first name to 100 characters or fewer</a>' in page
    assert '<a href="#years_experience">Enter your years of experience as 60 or less</a>' in page
    assert 'id="years_experience-error">Enter your years of experience as 60 or less<' in page
    assert "should" not in page.lower().split("<form")[0]
    assert 'id="years_experience" name="years_experience"' in page and 'aria-invalid="true"' in page


def test_every_page_has_the_skip_link_and_the_company_name() -> None:
    page = pages.page("thanks", title="Thank you")
    assert '<a class="skip" href="#main">Skip to content</a>' in page and '<main id="main"' in page
    # The name is this process's setting (other tests may have loaded their own environment first)
    assert f"<title>Thank you · {escape(load(SiteEnv).company_name)}</title>" in page


def test_a_file_in_the_overrides_folder_replaces_the_shipped_one(tmp_path: Path) -> None:
    # Given a deployment's own thank-you page, at the same relative path as the shipped one
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "thanks.html.j2").write_text(
        '{% extends "pages/base.html.j2" %}{% block content %}<h1>Merci, {{ site.company_name }}</h1>{% endblock %}'
    )
    environment = templating.file_environment(overrides=tmp_path)

    # When the page renders
    page = environment.get_template("pages/thanks.html.j2").render(title="T", site=SiteEnv())

    # Then theirs is used, inside the shipped layout, and the pages they did not copy are still the shipped ones
    assert "<h1>Merci, Talentpool</h1>" in page and "Skip to content" in page
    assert environment.get_template("pages/confirmed.html.j2").filename.startswith(str(templating.PACKAGE_TEMPLATES))


def test_a_missing_value_in_a_shipped_template_fails_loudly() -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        templating.render_file("pages/link-problem.html.j2", title="x", site=None)
