"""The local-scale bench at 1,000 people, in CI: the runtime's memory follows the data it holds, not its history.

bench/local_scale.py runs the full 10,000 in `make bench` and records times; here only memory is asserted.
"""

from __future__ import annotations

import pytest

from bench import local_scale

pytestmark = pytest.mark.slow

PEOPLE = 1_000


def test_a_thousand_people_signed_up_and_confirmed_fit_the_memory_bound() -> None:
    """Given a fresh runtime, When 1,000 people sign up (4 at a time) and confirm through the emailed link,
    Then every sign-up is accepted and confirmed, RSS stays ≤ 1.5 GB, and the memory the pool holds grows
    linearly with it: at 1,000 at most 2.2x what it held at 500 (local_scale.DATA_GROWTH_LIMIT says why)."""
    with local_scale.runtime() as backend:
        pool = local_scale.grow_pool(backend, PEOPLE, samples=2)

    assert pool.failed_sign_ups == 0, pool.refused_sign_ups
    assert pool.confirmations == {"confirmed": PEOPLE}
    assert pool.confirmed == PEOPLE
    assert pool.peak_mb <= local_scale.RSS_LIMIT_MB, pool.rss_mb
    assert pool.data_growth <= local_scale.DATA_GROWTH_LIMIT, (pool.baseline_mb, pool.rss_mb)
