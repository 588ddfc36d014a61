"""The key prefixes of the stored items logic reads raw: the DynamoDB stream (aggregates), a person's export and
erasure (gdpr), and the enrolment an execution carries. The adapters' key builders use these same constants."""

from __future__ import annotations

TIMELINE_PREFIX = "TL#"
IDEMPOTENCY_PREFIX = "IDEMPOTENCY#"  # Powertools records: pk=IDEMPOTENCY#<scope>, sk=<hash>
ENROLMENT_PREFIX = "ENROL#"


def enrolment_sk(sequence_id: str) -> str:
    return f"{ENROLMENT_PREFIX}{sequence_id}"
