"""Emails from the templates in templates/emails: one template file gives both the HTML and the text part."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from talentpool import templating

HTML_LAYOUT = "emails/base.html.j2"
TEXT_LAYOUT = "emails/base.txt.j2"


@dataclass(frozen=True)
class Site:
    """What every email shows of the company (cdk.json: company_name, logo_url, privacy_policy_url)."""

    company_name: str = "Talentpool"
    logo_url: str | None = None
    privacy_policy_url: str | None = None


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


def render_email(name: str, *, subject: str, preheader: str, site: Site, **context: object) -> Rendered:
    """templates/emails/<name>.j2 twice: in the HTML layout with HTML blocks, then as text with text blocks."""
    shared = {"subject": subject, "preheader": preheader, "site": site, **context}
    html = templating.render_file(
        f"emails/{name}.j2", layout=HTML_LAYOUT, fmt=templating.file_module("emails/_html.j2"), **shared
    )
    text = templating.render_text_file(
        f"emails/{name}.j2", layout=TEXT_LAYOUT, fmt=templating.text_module("emails/_text.j2"), **shared
    )
    return Rendered(html=html, text=_tidy(text))


# A template saved before the house layout existed is a whole document: only its body goes inside the layout.
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.IGNORECASE | re.DOTALL)


def recruiter_email(
    *,
    subject: str,
    site: Site,
    body_html: str | None,
    body_text: str,
    preferences_url: str,
    unsubscribe_url: str | None = None,
    reason: str | None = None,
) -> Rendered:
    """A body a recruiter wrote, rendered in the sandbox already, inside the layout with the footer links.
    Without HTML, the text part's paragraphs are the HTML body."""
    whole = _BODY.search(body_html or "")
    return render_email(
        "recruiter",
        subject=subject,
        preheader=_preheader(body_text),
        site=site,
        # Markup: the sandbox escaped every value in it, and its own HTML is the recruiter's to write.
        body_html=Markup(whole.group(1) if whole else body_html or ""),  # noqa: S704
        body_text=body_text,
        preferences_url=preferences_url,
        unsubscribe_url=unsubscribe_url,
        reason=reason,
    )


def _preheader(text: str, limit: int = 110) -> str:
    """The inbox preview: the body's first words after the greeting, so it adds to the subject."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    words = " ".join(lines[1:] if len(lines) > 1 else lines)
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one newline at the end: templates' whitespace is not the reader's."""
    lines = [line.rstrip() for line in text.splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip() + "\n"
