"""Words and numbers as the report shows them: channel and step names, counts, rates and days."""

from __future__ import annotations

from datetime import date

CHANNEL_NAMES = {
    "careers_site": "Careers site",
    "job_board": "Job board",
    "social": "Social",
    "referral": "Referral",
    "event": "Event",
    "import": "Import",
    "recruiter": "Recruiter",
    "-": "Unknown",
}
STEP_NAMES = {
    "captured": "Captured",
    "confirmed": "Confirmed",
    "engaged": "Engaged",
    "applied": "Applied",
    "hired": "Hired",
}


def label(value: str, names: dict[str, str] | None = None) -> str:
    """A stored value as a person reads it: careers_site -> Careers site."""
    if names and value in names:
        return names[value]
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "Unknown"


def num(value: int) -> str:
    return f"{value:,}"


def pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def long_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{num(count)} {one if count == 1 else (many or one + 's')}"


def step_label(step: int | None) -> str:
    # Steps are stored by index (0 is the first, as the sequences API numbers them); people count from one.
    return "Other" if step is None else f"Step {step + 1}"


# --- SVG ---------------------------------------------------------------------------------------------------
