"""Email address normalisation: one canonical form for dedupe, without a third-party validator."""

from __future__ import annotations

import re

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_email(raw: str) -> str:
    """Trim, lower-case and IDN-encode an address; raise ValueError with a readable reason if it is not one.

    The local part is lower-cased too: providers treat it case-insensitively in practice, and two rows for
    `Ana@x.com` and `ana@x.com` would be the duplicate candidates the pool must not have.
    """
    value = raw.strip()
    if value.count("@") != 1:
        raise ValueError("must be an email address like name@example.com")
    local, domain = value.rsplit("@", 1)
    if not local or len(local) > 64 or not _LOCAL_PART.match(local):
        raise ValueError("the part before @ is not valid")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError("the part before @ is not valid")
    try:
        ascii_domain = domain.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError("the domain is not valid") from exc
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValueError("the domain is not valid")
    address = f"{local.lower()}@{ascii_domain}"
    if len(address) > 254:
        raise ValueError("is longer than 254 characters")
    return address
