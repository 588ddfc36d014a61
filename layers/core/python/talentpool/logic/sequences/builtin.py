"""The sequences every installation has from the start: the welcome series and one monthly campaign per topic.

They are served from this module until an admin saves a new version with PUT /sequences/{id}; from then on
the stored version wins. So `make run` and a fresh deploy have them with no seeding step, and editing one
is an ordinary new version (this code's text is version 1).
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from talentpool.models.candidate import Topic
from talentpool.models.sequences import Content, SendWindow, Sequence, SequenceDefinition, SequenceKind, SequenceStep

WELCOME_ID = "welcome"
"""The default engage sequence: confirming consent starts it (the start-engage rule names no sequence)."""

BUILTIN_VERSION = 1
BUILTIN_STAMP = "2026-11-01T00:00:00.000Z"
NURTURE_SCHEDULE = "cron(0 9 1 * ? *)"  # 09:00 UTC on the 1st of each month

# The welcome series answers something the candidate just did (they clicked "confirm"), so it may arrive
# any day of the week, but only in waking hours where they are. Later steps count their delay from the
# previous send, so they land at about the time of day the candidate was last active with us.
WELCOME_WINDOW = SendWindow(start_hour=8, end_hour=20, weekdays=[0, 1, 2, 3, 4, 5, 6])

_WELCOME = SequenceDefinition(
    name="Welcome series",
    description="Three emails over the first ten days after someone confirms: hello, what working here is "
    "like, and how we match their skills to roles.",
    kind=SequenceKind.ENGAGE,
    send_window=WELCOME_WINDOW,
    steps=[
        SequenceStep(
            delay=timedelta(0),
            subject="Welcome to the {{company_name}} talent community, {{first_name|there}}",
            body="""Hi {{first_name|there}},

Thank you for confirming your email address: you are now part of the {{company_name}} talent community.

Here is what happens next. Over the next ten days we will send you two more emails: one about what working
with us is really like, and one about how we match people to roles. After that you will only hear from us
about the topics you chose, and never more than a couple of times a week.

If something changes (a new skill, a move, a different kind of role), just reply to this email.
{{recruiter_name|Someone from our recruiting team}} reads every reply.

Best wishes,
{{recruiter_name|The talent team}}
{{company_name}}""",
        ),
        SequenceStep(
            delay=timedelta(days=3),
            subject="What working at {{company_name}} is like",
            body="""Hi {{first_name|there}},

Job adverts all sound the same, so here is what people who work at {{company_name}} tell us they value:

- Small teams that own their work from the first idea to running it in production.
- Time to learn: every team sets aside time each week for learning and for fixing what slows it down.
- Flexible hours and remote-friendly teams, with an office for the days you want one.
- Straight answers: salary ranges are in every advert, and every applicant hears back from us.

If you would like to hear it first-hand, reply and we will introduce you to someone who works in a
{{desired_role|role like yours}}.

{{recruiter_name|The talent team}}
{{company_name}}""",
            variants={
                Topic.EVENTS: Content(
                    subject="What working at {{company_name}} is like (and where to meet us)",
                    body="""Hi {{first_name|there}},

You told us you like events, so here is the short version of what our people value, and a way to see it
for yourself:

- Small teams that own their work from the first idea to running it in production.
- Time to learn, every week, and flexible, remote-friendly hours.
- Straight answers: salary ranges in every advert, and a reply to every applicant.

We host open evenings and meet-ups through the year. We will let you know when one is near
{{city|you}}, and you can always reply to ask about the next one.

{{recruiter_name|The talent team}}
{{company_name}}""",
                )
            },
        ),
        SequenceStep(
            delay=timedelta(days=7),
            # No role is attached to this email (there are no job records yet), so it promises none: it says
            # how a match reaches the candidate.
            subject="{{first_name|Hello}}, how we match your {{top_skill|skills}} to roles",
            body="""Hi {{first_name|there}},

You have been part of our talent community for ten days, so here is the useful part: we look for people
with {{skills|your skills}} all year round, and a recruiter will get in touch with you directly when a role
fits your experience.

To make that match better, you can tell us which topics and how often you want to hear from us, using the
preferences link at the end of this email. If you are already looking, reply with what you would like next
and {{recruiter_name|we}} will come back to you personally.

Thank you for your interest in {{company_name}}.

{{recruiter_name|The talent team}}
{{company_name}}""",
        ),
    ],
)

_NURTURE_COPY: dict[Topic, tuple[str, str, str]] = {
    Topic.CAREER_ADVICE: (
        "Monthly career advice",
        "Career advice for this month, {{first_name|from us}}",
        """Hi {{first_name|there}},

This month's advice: keep a running list of what you shipped and what changed because of it. When the next
interview or review comes, that list turns "I worked on" into "I achieved", which is what people remember.

Three quick ones while you are at it:
- Update your CV while the details are fresh, not when you need it.
- Ask one person you admire how they got where they are; most people are glad to answer.
- Learn in public: a short write-up of something you figured out helps you and the next person.""",
    ),
    Topic.SECTOR_NEWS: (
        "Monthly sector news",
        "What changed in our sector this month",
        """Hi {{first_name|there}},

Here is our short monthly round-up of what moved in the sector, chosen by our team for people working in
{{desired_role|roles like yours}}: the trends we see in hiring, the skills employers ask for most, and what
they mean for you.

Reply to tell us what you would like us to cover next month.""",
    ),
    Topic.EVENTS: (
        "Monthly events",
        "Events and meet-ups coming up",
        """Hi {{first_name|there}},

Here is what is coming up: open evenings, meet-ups and talks where you can meet the people you would work
with at {{company_name}}. Places are free, and you can come along whether or not you are looking for a job
right now.

Reply to this email to save a place or to ask about events near {{city|you}}.""",
    ),
    # Like the welcome series' last step, it lists no roles (there are no job records to list yet): it keeps
    # the candidate's profile current so that the direct email about a matching role can find them.
    Topic.JOB_ALERTS: (
        "Monthly matching jobs",
        "Matching jobs for {{top_skill|your skills}}: is your profile up to date?",
        """Hi {{first_name|there}},

You asked to hear about jobs that match what you do. When a role opens for people with {{skills|your
skills}}, {{recruiter_name|a recruiter}} writes to you about it directly, with the salary range and the team.

Matches are only as good as your profile: if your skills, experience or the roles you want have changed,
reply to this email or use the preferences link below.

Not looking right now? That is fine: these emails keep coming once a month until you change your
preferences.""",
    ),
}


def _nurture(topic: Topic) -> SequenceDefinition:
    name, subject, body = _NURTURE_COPY[topic]
    return SequenceDefinition(
        name=name,
        description=f"Once a month, to everyone with active consent who chose {topic.value.replace('_', ' ')}.",
        kind=SequenceKind.NURTURE,
        topic=topic,
        # None: everyone with active consent who chose the topic (the campaign's audience rule).
        audience_segment_id=None,
        schedule=NURTURE_SCHEDULE,
        steps=[
            SequenceStep(
                delay=timedelta(0),
                subject=subject,
                body=body + "\n\n{{recruiter_name|The talent team}}\n{{company_name}}",
            )
        ],
    )


def nurture_id(topic: Topic) -> str:
    return f"nurture-{topic.value}"


@cache
def builtin_sequences() -> dict[str, Sequence]:
    """Every built-in, as version 1 of its id; validated here, so a bad template fails the tests, not a send."""
    definitions = {WELCOME_ID: _WELCOME} | {nurture_id(topic): _nurture(topic) for topic in Topic}
    return {
        sequence_id: Sequence(
            **definition.model_dump(),
            sequence_id=sequence_id,
            version=BUILTIN_VERSION,
            created_at=BUILTIN_STAMP,
            updated_at=BUILTIN_STAMP,
            builtin=True,
        )
        for sequence_id, definition in definitions.items()
    }


def builtin(sequence_id: str) -> Sequence | None:
    return builtin_sequences().get(sequence_id)
