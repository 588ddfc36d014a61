"""Email addresses: checked by email-validator, then one stored form, one identity and one mailbox per address."""

from __future__ import annotations

# Google delivers every dotted spelling of a Gmail address to one mailbox, under both of its domains.
_DOTS_IGNORED = frozenset({"gmail.com", "googlemail.com"})


def normalise_email(raw: str) -> str:
    """The stored form: the local part as given, the domain lower-cased and IDNA-encoded (punycode).

    Only surrounding spaces are trimmed: a newline, or any other control character, anywhere is refused,
    so an address can never carry a second header line. Strict: RFC 5321 lengths too. No DNS lookup: validation
    stays offline and fast.
    """
    # Imported here: it compiles its grammar at import (~40 ms), which functions that never validate skip.
    from email_validator import EmailNotValidError, validate_email

    value = raw.strip(" ")
    if "@" not in value:
        raise ValueError("must be an email address like name@example.com")
    try:
        checked = validate_email(value, check_deliverability=False, strict=True)
    except EmailNotValidError as exc:
        reason = str(exc)
        raise ValueError(reason[:1].lower() + reason[1:]) from exc
    return f"{checked.local_part}@{checked.ascii_domain}"


def email_identity(email: str) -> str:
    """Who an address belongs to, for dedupe: a stored address with its local part lower-cased.

    Providers treat the local part case-insensitively in practice, so `Ana@x.com` and `ana@x.com` are one
    person; `ana+jobs@x.com` and `a.na@gmail.com` are kept apart, as their owner chose a distinct address.
    """
    local, _, domain = email.rpartition("@")
    return f"{local.lower()}@{domain}"


def mailbox_key(email: str) -> str:
    """The mailbox a stored address delivers to, for abuse limits: lower-case, the `+tag` dropped, and the
    dots dropped for Gmail, so that variants of one address share one limit."""
    local, _, domain = email_identity(email).rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTS_IGNORED:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"
