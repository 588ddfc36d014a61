"""SnapStart for the functions people wait on: what it removes from a cold start, and what it costs a month.

What can be measured here is what a restore skips: each function's initialisation on the shipped set (the
cold-init benchmark's layer imports, Python 3.12 with tracing on). The cost is computed from
bench/prices.json and the spec's memory sizes: a snapshot cached for every SnapStart function all month, and
one restore per new execution environment.
"""

from __future__ import annotations

import json
from typing import Any

from bench.support import ROOT, markdown_table

PRICES = ROOT / "bench" / "prices.json"
RESULTS = ROOT / "bench" / "results.json"
MONTH_S = 30 * 24 * 3600
INVOCATIONS = (1_000, 100_000)
# Restores per invocation assumed at each volume. At 1,000 a month (one every 43 minutes) Lambda has
# reclaimed the idle environment before the next call, so every invocation is a restore: the upper bound.
# At 100,000 (about one every 26 s, in bursts) environments stay warm between calls; 10% is an assumption, and
# the upper bound (every invocation a restore) is shown beside it.
RESTORE_SHARE = {1_000: 1.0, 100_000: 0.10}


def _price(prices: dict[str, Any], key: str) -> float:
    return float(prices["prices"][key]["usd"])


def run() -> dict[str, Any]:
    from infra import spec

    prices = json.loads(PRICES.read_text())
    cache, restore = _price(prices, "lambda_snapstart_cache_gb_second"), _price(prices, "lambda_snapstart_restore_gb")
    gb_second = _price(prices, "lambda_arm_gb_second")
    layer = (json.loads(RESULTS.read_text()).get("cold_init") or {}).get("layer_import", {}).get("functions", {})
    functions = {}
    for function in (f for f in spec.FUNCTIONS if f.snap_start):
        gb = function.memory_mb / 1024
        init_ms = (layer.get(function.name) or {}).get("import_cpu_ms", {}).get("median")
        functions[function.name] = {
            "memory_mb": function.memory_mb,
            "shipped_init_ms": init_ms,
            "cache_usd_month": round(gb * MONTH_S * cache, 4),
            "restore_usd_each": round(gb * restore, 8),
            # Since August 2025 Lambda bills the init phase of on-demand functions: what a cold start without
            # SnapStart costs for the initialisation a restore replaces (arm64 duration price).
            "init_usd_each": round(gb * (init_ms or 0) / 1000 * gb_second, 8),
            "by_volume": {
                str(n): {
                    "restores": round(n * RESTORE_SHARE[n]),
                    "usd": round(gb * MONTH_S * cache + n * RESTORE_SHARE[n] * gb * restore, 4),
                    "usd_every_call_restored": round(gb * MONTH_S * cache + n * gb * restore, 4),
                }
                for n in INVOCATIONS
            },
        }
    return {
        "prices_taken_on": prices["taken_on"],
        "region": prices["region"],
        "restore_share": {str(k): v for k, v in RESTORE_SHARE.items()},
        "functions": functions,
    }


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def describe(figures: dict[str, Any]) -> str:
    functions: dict[str, Any] = figures["functions"]
    low, high = (str(n) for n in INVOCATIONS)
    rows = [
        [
            f"`{name}`",
            f["memory_mb"],
            f"{f['shipped_init_ms']:.0f}" if f["shipped_init_ms"] else "?",
            _usd(f["cache_usd_month"]),
            f"${f['restore_usd_each']:.6f} (init without: ${f['init_usd_each']:.6f})",
            _usd(f["by_volume"][low]["usd"]),
            f"{_usd(f['by_volume'][high]['usd'])} ({_usd(f['by_volume'][high]['usd_every_call_restored'])})",
        ]
        for name, f in functions.items()
    ]
    total_low = sum(f["by_volume"][low]["usd"] for f in functions.values())
    total_high = sum(f["by_volume"][high]["usd"] for f in functions.values())
    total_high_bound = sum(f["by_volume"][high]["usd_every_call_restored"] for f in functions.values())
    rows.append(
        ["**all five**", "", "", "", "", f"**{_usd(total_low)}**", f"**{_usd(total_high)}** ({_usd(total_high_bound)})"]
    )
    table = markdown_table(
        [
            "function",
            "memory MB",
            "init it skips: CPU ms (shipped set, tracing on)",
            "snapshot cache a month",
            "per restore",
            f"a month at {int(low):,} calls",
            f"a month at {int(high):,} calls (every call restored)",
        ],
        rows,
    )
    return f"""
## SnapStart

`capture`, `confirm`, `pages`, `self_service` and `recruiter_api` are where people wait: a careers-site form,
a link in an email, the recruiter's CLI. They are marked `snap_start` in `infra/spec.py`, and CDK publishes a
version of each with SnapStart and puts an alias behind API Gateway. When a version is published, Lambda
runs the function's initialisation once (imports, the environment model, the resolver, the clients) and keeps
a snapshot of the initialised memory; a new execution environment is then resumed from the snapshot instead
of initialising, so the first caller does not wait for the imports the cold-init section measures (the
"init it skips" column: the CPU time of each handler's import on the shipped set, Python 3.12 with tracing
on, from the cold-init bench; CPU time because that machine was shared, and the wall time is at least this). It needs
published versions and an alias, and works without provisioned concurrency or EFS (which it does not support).

**Uniqueness.** One snapshot is resumed many times, so whatever initialisation leaves in memory is the same in
every environment. Nothing unique may be made at initialisation: ids, tokens and nonces are made per
invocation (`talentpool.ids`, `secrets`); Python's `random`, which seeds itself once when the process starts,
is reseeded by an after-restore hook (`talentpool/snapstart.py`, registered by each of the five handlers with
the runtime's `snapshot_restore_py`), so botocore's retry jitter and ours do not retry in lockstep. `make test`
starts each of the five twice on the shipped set and compares every value reachable from the handler's and
talentpool's module globals (a difference is something made unique at initialisation), and runs the runtime's
after-restore hooks to check that `random` gets a new state (tests/infra/test_shipped.py). Lambda does not set
`AWS_LAMBDA_LOG_GROUP_NAME` or `AWS_LAMBDA_LOG_STREAM_NAME` in SnapStart functions; nothing here reads them.

**Cost**, from `bench/prices.json` ({figures["region"]} list prices taken {figures["prices_taken_on"]}, with their
sources): SnapStart for Python charges for caching each published version's snapshot while it is active
(per GB-second of the function's memory, at least 3 hours) and for each restore (per GB of memory). One active
version per function is cached all month; each of the five functions takes the number of calls shown. At
{int(low):,} calls a month every call is taken to be a restore (an idle environment is reclaimed between calls);
at {int(high):,}, {figures["restore_share"][high]:.0%} of calls, with every call restored in brackets. Requests and
duration are billed as without SnapStart. Beside each restore is what the same cold start costs without
SnapStart for the initialisation it skips (Lambda bills the init phase): SnapStart buys latency, not savings.
Each deploy that changes a function publishes a new version, whose snapshot is cached (3 hours at least)
until the old one is no longer invoked.

{table}
"""
