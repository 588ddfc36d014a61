"""What must differ between execution environments restored from one SnapStart snapshot is made afresh."""

from __future__ import annotations

import random

_registered: list[bool] = []  # once per process, however many handlers (the local runtime loads several)


def restore_uniqueness() -> bool:
    """Reseed the process's shared random generator after every restore; True where SnapStart can restore us.

    Python seeds `random` from the OS when it starts, which SnapStart does once, at the snapshot: every
    environment restored from it would then draw the same "random" numbers, so botocore's retry jitter and
    our own would retry in lockstep. Ids, tokens and nonces are safe: they come from os.urandom or `secrets`
    at the moment they are made, never from initialisation (tests/infra/test_shipped.py checks that no
    handler's module state holds such a value). Hooks run only in Lambda's managed runtime, which provides
    `snapshot_restore_py`; anywhere else there is no snapshot and nothing to do.
    """
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return False
    if not _registered:
        register_after_restore(random.seed)
        _registered.append(True)
    return True
