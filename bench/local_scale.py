"""The local runtime holding a real pool (issue 10, section 5): its memory as the pool grows, a 10,000-row CSV
import, and 500 sign-ups from 50 concurrent clients.

Each scenario gets a fresh `python -m local` at the default time scale (sequences, schedules and stream
consumers run meanwhile, as for an evaluator) and is driven over HTTP as people and recruiters would: a
careers-form sign-up, then the confirmation link from the outbox (the page, then its form's POST when it has
one), and the recruiter API for imports and counts. Per-IP and per-address rate limits are switched off
(`TALENTPOOL_RATE_LIMITS=off`): one machine plays every visitor here. Memory is the resident set of the
runtime's process and any children, read from /proc once the runtime has gone quiet after each step.

Targets: RSS ≤ 1.5 GB throughout, RSS at 10,000 candidates ≤ 1.3x RSS at 5,000; the import finishes in ≤ 10
minutes with the same bound; the burst gets no 5xx, every 202 is stored exactly once, and no request that
was stored was answered with an error. tests/e2e/test_local_scale.py runs the pool at 1,000 and asserts the
memory bound (never a time).
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.support import CONFIRM_LINK, Backend, capture_body, markdown_table, verdict

POOL = 10_000
SAMPLES = 10  # RSS is read after each tenth of the pool
CLIENTS = 4
IMPORT_ROWS = 10_000
BURST = 500
BURST_CLIENTS = 50
RSS_LIMIT_MB = 1536
GROWTH_LIMIT = 1.3  # RSS at the full pool over RSS at half of it (issue 10 §5, for 10,000 over 5,000)
# What the pool holds above the idle runtime, full pool over half: twice the people may hold at most 2.2x the
# memory (linear in data, with 10% for the allocator). The defect this guards against held 3.9x for twice the
# captures (issue 10 §5: 646 MB at 50, 1,570 MB at 100, from 324 MB idle). Unlike GROWTH_LIMIT it does not
# depend on how large the idle runtime is beside the pool, so it means the same at 1,000 as at 10,000.
DATA_GROWTH_LIMIT = 2.2
IMPORT_LIMIT_S = 600
CONFIRM_SUBJECT = "Please confirm your email address"
FINISHED = {"completed", "failed"}
RUNTIME_ENV = {"TALENTPOOL_RATE_LIMITS": "off"}

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
ACTION = re.compile(r'action="([^"]*)"', re.I)
HIDDEN = re.compile(r'<input\b[^>]*type="hidden"[^>]*>', re.I)
ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"', re.I)


# --- the runtime ----------------------------------------------------------------------------------------


@contextmanager
def runtime() -> Iterator[Backend]:
    """A fresh local runtime at the default time scale, with a recruiter token."""
    from tests.e2e import local_process

    running = local_process.start(RUNTIME_ENV)
    try:
        with running.client as client:
            token = client.post("/_local/token", json={}).json()["token"]
        yield Backend(running, running.info(), token)
    finally:
        running.kill()


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    family, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return sum(_vm_rss_kb(member) for member in family) / 1024


def _vm_rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


def settled_rss_mb(backend: Backend) -> float:
    """RSS once the runtime has finished what the last step set off (stream consumers, sequences' first steps)."""
    backend.wait_until_idle(quiet_ms=50, window_s=1.0, timeout_s=120)
    return round(rss_mb(backend.process.process.pid), 1)


# --- people -----------------------------------------------------------------------------------------------


def email_for(run: str, n: int) -> str:
    return f"{run}-{n:05d}@example.com"


def sign_up(client: httpx.Client, email: str) -> int:
    """The careers form's JSON submission; the status code (0: the connection failed)."""
    try:
        return client.post("/candidates", json=capture_body(email)).status_code
    except httpx.TransportError:
        return 0


def confirm(client: httpx.Client, email: str, timeout_s: float = 300) -> str:
    """Follow the confirmation email's link as a person would: open the page, and press its button if it has one.

    What happened: "confirmed", "no email", or the step and status that went wrong ("page 500", "button 410").
    """
    link = _confirmation_link(client, email, timeout_s)
    if link is None:
        return "no email"
    page = client.get(link)
    if page.status_code != 200:
        return f"page {page.status_code}"
    form = FORM.search(page.text)
    if form is None:  # the page itself confirmed
        return "confirmed"
    action = ACTION.search(form.group(0))
    target = html.unescape(action.group(1)) if action and action.group(1) else link
    fields = {
        attrs.get("name", ""): html.unescape(attrs.get("value", ""))
        for attrs in ({k.lower(): v for k, v in ATTRIBUTE.findall(tag)} for tag in HIDDEN.findall(form.group(0)))
    }
    pressed = client.post(target, data=fields)
    return "confirmed" if pressed.status_code in (200, 303) else f"button {pressed.status_code}"


def _confirmation_link(client: httpx.Client, email: str, timeout_s: float) -> str | None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for mail in client.get("/_local/outbox", params={"to": email}).json():
            if mail.get("subject") == CONFIRM_SUBJECT and (found := CONFIRM_LINK.search(mail.get("text") or "")):
                return f"/confirm?token={found.group(1)}"
        time.sleep(0.2)
    return None


def in_parallel(clients: int, work: Callable[[httpx.Client, str], Any], emails: list[str], base_url: str) -> list[Any]:
    """`work(client, email)` for every address, on `clients` threads, each with its own HTTP connection."""
    shards = [emails[i::clients] for i in range(clients)]

    def worker(shard: list[str]) -> list[tuple[str, Any]]:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            return [(email, work(client, email)) for email in shard]

    with ThreadPoolExecutor(clients) as pool:
        done = dict(pair for result in pool.map(worker, shards) for pair in result)
    return [done[email] for email in emails]


def confirmed_count(backend: Backend) -> int:
    """Confirmed candidates, counted through the recruiter search (a page of 100 at a time)."""
    count, cursor = 0, None
    while True:
        params: dict[str, Any] = {"consent": "active", "limit": 100} | ({"cursor": cursor} if cursor else {})
        page = backend.request("GET", "/candidates", recruiter=True, params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        count += len(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return count


# --- the pool ----------------------------------------------------------------------------------------------


@dataclass
class PoolFigures:
    """RSS (MB) after each step of the pool's growth, keyed by candidates signed up and confirmed so far."""

    size: int
    rss_mb: dict[int, float] = field(default_factory=dict)
    baseline_mb: float = 0.0
    refused_sign_ups: Counter[int] = field(default_factory=Counter)  # status (0: dropped) -> sign-ups not accepted
    confirmations: Counter[str] = field(default_factory=Counter)  # what following each link came to
    confirmed: int = 0
    seconds: float = 0.0

    @property
    def peak_mb(self) -> float:
        return max([self.baseline_mb, *self.rss_mb.values()])

    @property
    def failed_sign_ups(self) -> int:
        return sum(self.refused_sign_ups.values())

    @property
    def unconfirmed(self) -> int:
        return sum(count for outcome, count in self.confirmations.items() if outcome != "confirmed")

    @property
    def growth(self) -> float:
        """RSS at the full pool over RSS at half of it (the nearest sample at or below half)."""
        half = max(n for n in self.rss_mb if n <= self.size // 2)
        return round(self.rss_mb[self.size] / self.rss_mb[half], 3)

    @property
    def data_growth(self) -> float:
        """What the pool holds above the idle runtime (RSS less the baseline), full pool over half of it."""
        half = max(n for n in self.rss_mb if n <= self.size // 2)
        return round((self.rss_mb[self.size] - self.baseline_mb) / (self.rss_mb[half] - self.baseline_mb), 3)

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "clients": CLIENTS,
            "baseline_mb": self.baseline_mb,
            "rss_mb": {str(n): mb for n, mb in self.rss_mb.items()},
            "peak_mb": self.peak_mb,
            "growth_full_over_half": self.growth,
            "data_growth_full_over_half": self.data_growth,
            "failed_sign_ups": self.failed_sign_ups,
            "refused_sign_ups": {str(status): n for status, n in self.refused_sign_ups.items()},
            "unconfirmed": self.unconfirmed,
            "confirmations": dict(self.confirmations),
            "confirmed": self.confirmed,
            "seconds": round(self.seconds, 1),
        }


def grow_pool(backend: Backend, size: int, *, samples: int = SAMPLES, clients: int = CLIENTS) -> PoolFigures:
    """Sign up and confirm `size` people, `clients` at a time, reading RSS after each of `samples` steps."""
    figures = PoolFigures(size=size, baseline_mb=settled_rss_mb(backend))
    started = time.monotonic()
    step = size // samples
    base_url = backend.process.base_url
    for first in range(0, size, step):
        emails = [email_for("pool", n) for n in range(first, min(first + step, size))]
        statuses = in_parallel(clients, sign_up, emails, base_url)
        figures.refused_sign_ups.update(status for status in statuses if status != 202)
        signed_up = [email for email, status in zip(emails, statuses, strict=True) if status == 202]
        figures.confirmations.update(in_parallel(clients, confirm, signed_up, base_url))
        figures.rss_mb[first + len(emails)] = settled_rss_mb(backend)
        print(f"   {first + len(emails):>6} people: {figures.rss_mb[first + len(emails)]:.0f} MB", flush=True)
    figures.seconds = time.monotonic() - started
    figures.confirmed = confirmed_count(backend)
    return figures


# --- the import ------------------------------------------------------------------------------------------


def import_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "first_name", "last_name", "country", "city", "skills", "years_experience"])
    for n in range(rows):
        writer.writerow([email_for("imported", n), "Ana", f"Row{n}", "PT", "Lisbon", "python;aws", n % 20])
    return out.getvalue().encode()


def run_import(backend: Backend, rows: int) -> dict[str, Any]:
    """Upload a `rows`-row CSV as the CLI does and follow it to the end, reading RSS as it goes."""
    content = import_csv(rows)
    started = backend.request("POST", "/imports", recruiter=True, json={})
    assert started.status_code == 201, started.text
    body = started.json()
    baseline = rss_mb(backend.process.process.pid)
    began = time.monotonic()
    headers = body.get("upload_headers") or {"Content-Type": "text/csv"}
    put = httpx.request(body.get("upload_method", "PUT"), body["upload_url"], content=content, headers=headers)
    assert put.status_code in (200, 204), put.text
    peak, status = baseline, {}
    while time.monotonic() - began < 3 * IMPORT_LIMIT_S:
        peak = max(peak, rss_mb(backend.process.process.pid))
        status = backend.import_status(body["import_id"])
        if status.get("status") in FINISHED:
            break
        time.sleep(1.0)
    seconds = time.monotonic() - began
    return {
        "rows": rows,
        "status": status.get("status"),
        "imported": status.get("imported"),
        "rejected": status.get("rejected"),
        "seconds": round(seconds, 1),
        "baseline_mb": round(baseline, 1),
        "peak_mb": round(peak, 1),
        "settled_mb": settled_rss_mb(backend),
        "counters": {k: v for k, v in status.items() if isinstance(v, int)},
    }


# --- the burst ----------------------------------------------------------------------------------------------


def burst(backend: Backend, people: int = BURST, clients: int = BURST_CLIENTS) -> dict[str, Any]:
    """`people` sign-ups from `clients` concurrent clients; then what was stored, person by person."""
    emails = [email_for("burst", n) for n in range(people)]
    statuses = in_parallel(clients, sign_up, emails, backend.process.base_url)
    backend.wait_until_idle(quiet_ms=50, window_s=1.0, timeout_s=120)
    stored = stored_emails(backend)
    answered = Counter(_status_class(status) for status in statuses)
    accepted = [email for email, status in zip(emails, statuses, strict=True) if status == 202]
    refused_but_stored = [
        email for email, status in zip(emails, statuses, strict=True) if status != 202 and stored[email]
    ]
    return {
        "people": people,
        "clients": clients,
        "answered": dict(sorted(answered.items())),
        "server_errors": answered.get("5xx", 0),
        "dropped": answered.get("dropped", 0),
        "accepted": len(accepted),
        "accepted_not_stored": sum(1 for email in accepted if stored[email] == 0),
        "stored_twice": sum(1 for email in emails if stored[email] > 1),
        "stored": sum(1 for email in emails if stored[email]),
        "refused_but_stored": len(refused_but_stored),
    }


def _status_class(status: int) -> str:
    return "dropped" if status == 0 else f"{status // 100}xx" if status != 202 else "202"


def stored_emails(backend: Backend) -> Counter[str]:
    """How many candidate records hold each address: every candidate, through the recruiter API."""
    held: Counter[str] = Counter()
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = backend.request("GET", "/candidates", recruiter=True, params=params).json()
        for summary in page["items"]:
            held[backend.candidate(summary["candidate_id"])["candidate"]["email"]] += 1
        cursor = page.get("next_cursor")
        if not cursor:
            return held


# --- the benchmark ------------------------------------------------------------------------------------------


def pool_passes(pool: dict[str, Any]) -> bool:
    return bool(pool["peak_mb"] <= RSS_LIMIT_MB and pool["growth_full_over_half"] <= GROWTH_LIMIT)


def run() -> dict[str, Any]:
    size = int(os.environ.get("BENCH_LOCAL_POOL", POOL))
    rows = int(os.environ.get("BENCH_LOCAL_IMPORT_ROWS", IMPORT_ROWS))
    print(f"-- {size} people signing up and confirming, {CLIENTS} at a time", flush=True)
    with runtime() as backend:
        pool = grow_pool(backend, size).as_dict()
    print(f"-- a {rows}-row CSV import", flush=True)
    with runtime() as backend:
        imported = run_import(backend, rows)
    print(f"-- {BURST} sign-ups from {BURST_CLIENTS} concurrent clients", flush=True)
    with runtime() as backend:
        burst_figures = burst(backend)
    imported["passed"] = bool(
        imported["status"] in FINISHED
        and imported["seconds"] <= IMPORT_LIMIT_S
        and max(imported["peak_mb"], imported["settled_mb"]) <= RSS_LIMIT_MB
    )
    burst_figures["passed"] = bool(
        burst_figures["server_errors"] == 0
        and burst_figures["accepted_not_stored"] == 0
        and burst_figures["stored_twice"] == 0
        and burst_figures["refused_but_stored"] == 0
    )
    pool["passed"] = pool_passes(pool)
    return {"pool": pool, "import": imported, "burst": burst_figures}


def describe(figures: dict[str, Any]) -> str:
    pool, imported, burst_figures = figures["pool"], figures["import"], figures["burst"]
    rows = [(n, f"{mb:,.0f}") for n, mb in pool["rss_mb"].items()]
    answered = ", ".join(f"{kind}: {count}" for kind, count in burst_figures["answered"].items())
    return f"""
## Local runtime at pool size

Target (issue 10, section 5): `python -m local` holds a real pool. {pool["size"]:,} people sign up over HTTP
({pool["clients"]} clients at a time) and confirm through the emailed link: RSS stays ≤ {RSS_LIMIT_MB:,} MB, and RSS
at the full pool is ≤ {GROWTH_LIMIT}x RSS at half of it. A {imported["rows"]:,}-row CSV import finishes in
≤ {IMPORT_LIMIT_S // 60} minutes at the default time scale with the same bound. {burst_figures["people"]} sign-ups from
{burst_figures["clients"]} concurrent clients get no 5xx, each 202 is stored exactly once, and nothing stored was
answered with an error. Each scenario runs on a fresh runtime; RSS is read once the runtime is quiet.
A 1,000-person pool runs in `make test` (tests/e2e/test_local_scale.py): every person accepted and confirmed, RSS
within the bound, and what the pool holds above the idle runtime growing linearly (≤ {DATA_GROWTH_LIMIT}x for twice
the people); the {GROWTH_LIMIT}x ratio of whole-process RSS is the full-size target, where the idle runtime weighs less.

Pool: {verdict(pool["passed"])}. Empty runtime {pool["baseline_mb"]:,.0f} MB; peak {pool["peak_mb"]:,.0f} MB;
full over half {pool["growth_full_over_half"]}x (held above idle: {pool.get("data_growth_full_over_half", "?")}x);
{pool["confirmed"]:,} confirmed, {pool["failed_sign_ups"]} sign-ups refused, {pool["unconfirmed"]} links that did not
confirm ({pool.get("confirmations")});
{pool["seconds"]:,.0f} s in all.

{markdown_table(["people signed up and confirmed", "RSS (MB)"], rows)}

Import: {verdict(imported["passed"])}. {imported["rows"]:,} rows, {imported["status"]} in {imported["seconds"]:,.0f} s;
RSS {imported["baseline_mb"]:,.0f} MB before, {imported["peak_mb"]:,.0f} MB at most while it ran,
{imported["settled_mb"]:,.0f} MB after.

Burst: {verdict(burst_figures["passed"])}. Answers: {answered}. {burst_figures["stored"]} people stored,
{burst_figures["accepted_not_stored"]} accepted but not stored, {burst_figures["stored_twice"]} stored twice,
{burst_figures["refused_but_stored"]} answered with an error yet stored.

Measured {figures.get("measured_at", "?")} on {figures.get("machine", "?")} (2 cores shared with other work).
"""
