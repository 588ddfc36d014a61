"""The operator's settings the tests deploy with: cdk.json ships them empty, so a synth without them fails.

`make synth` passes the same values (`python -m tests.infra.context` prints them as `-c key=value`).
"""

from __future__ import annotations

TEST_VALUES: dict[str, str] = {
    "sender_email": "talent@jobs.talentpool-ci.dev",
    "careers_origin": "https://careers.talentpool-ci.dev",
    "alarm_email": "ops@talentpool-ci.dev",
}


def cdk_arguments() -> str:
    return " ".join(f"-c {key}={value}" for key, value in TEST_VALUES.items())


if __name__ == "__main__":
    print(cdk_arguments())
