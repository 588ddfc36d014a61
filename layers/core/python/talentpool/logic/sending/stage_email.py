"""The status email a candidate gets when their stage changes: friendly, timely, and editable per stage."""

from __future__ import annotations

from talentpool.models.candidate import Stage
from talentpool.models.templates import StageEmailTemplate


def _template(subject: str, body: str) -> StageEmailTemplate:
    """The default wording as both parts. The layout (templates/emails) adds the header and the link to the
    candidate's preferences, so a template holds only what the recruiter says."""
    paragraphs = [p.strip() for p in body.strip().split("\n\n")]
    return StageEmailTemplate(
        subject=subject,
        text="\n\n".join(paragraphs) + "\n",
        html="".join(f"<p>{p}</p>" for p in paragraphs),
    )


DEFAULTS: dict[Stage, StageEmailTemplate] = {
    Stage.APPLIED: _template(
        "We have received your application",
        """Hello {{first_name|there}},

Thank you for your application. A member of our team will review it, and we will let you know what
happens next within two weeks.

{{recruiter_name|The talent team}}""",
    ),
    Stage.INTERVIEWING: _template(
        "Next step: an interview",
        """Hello {{first_name|there}},

Good news: we would like to invite you to interview. {{recruiter_name|Our talent team}} will be in touch
shortly to agree a time that suits you.

{{feedback|}}""",
    ),
    Stage.OFFERED: _template(
        "An offer for you",
        """Hello {{first_name|there}},

We are delighted to tell you that we would like to make you an offer. {{recruiter_name|We}} will share the
details with you directly.

{{feedback|}}""",
    ),
    Stage.HIRED: _template(
        "Welcome aboard",
        """Hello {{first_name|there}},

Welcome to the team! We are very glad you are joining us.

{{recruiter_name|The talent team}}""",
    ),
    Stage.REJECTED: _template(
        "About your application",
        """Hello {{first_name|there}},

Thank you for the time you gave us. We have decided not to go further this time.

{{feedback|}}

With your permission we will keep you in our talent community and tell you about roles that match.
You can change that, or delete your data, at any time.

{{recruiter_name|The talent team}}""",
    ),
}
