"""Segment read amplification: a 100,000-candidate pool in moto, queried through the real logic and store.

The pool is generated with a fixed seed (skills from a 60-skill vocabulary with a Zipf-like spread, 0-30
years with about 10% unknown, 40 countries, stages weighted towards lead, channels, consent, tags) and
written with batch_write_item from the real `profile_item()` and `index_items()`, as the API would store it.
Each query shape then runs through `logic.people.search` on `store.search.SearchIndex`: the first page at limit 25,
and a full drain (what a count or a campaign audience reads). Reads are what DynamoDB reports and bills,
counted by a botocore hook on the store's client: ScannedCount from every Query response, not moto's own
work (moto filters a GSI by walking the whole table, which is slow but not what DynamoDB reads).
Every drained result is checked against the generated pool, so a figure is never for a wrong answer.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import support

POOL_SIZE = int(os.environ.get("BENCH_SEGMENTS_POOL", "100000"))
SEED = 20261126
PAGE_LIMIT = 25
TABLE = "talentpool-bench-segments"
REGION = "us-east-1"
TARGET_RATIO = 1.5  # issue 3, section 5: items read / items returned, skill + experience and stage queries

# (name, query, target, drain): the four shapes first, then shapes recorded for information. Result sets
# are mid-sized so a drain through moto (milliseconds per item returned) finishes; ratios do not depend on size.
SHAPES: list[tuple[str, dict[str, Any], float | None, bool]] = [
    (
        "single skill + experience range",
        {"skills": ["kubernetes"], "min_experience": 5, "max_experience": 10},
        1.5,
        True,
    ),
    ("stage", {"stage": "interviewing"}, 1.5, True),
    ("two skills, all", {"skills": ["python", "aws"]}, None, True),
    ("skill + country", {"skills": ["kubernetes"], "country": "DE"}, None, True),
    ("two skills, any", {"skills": ["rust", "scala"], "skills_mode": "any"}, None, True),
    ("tag", {"tag": "contractor"}, None, True),
    ("country + city", {"country": "DE", "city": "Berlin"}, None, True),
    ("stage + captured after", {"stage": "offered", "captured_after": "2026-06-01"}, None, True),
    # No indexed filter: the page stops at the per-page read budget; a drain would read the whole pool.
    ("no indexed filter (engagement)", {"min_engagement": 8}, None, False),
]

SKILLS = [
    "python",
    "sql",
    "javascript",
    "aws",
    "java",
    "typescript",
    "react",
    "docker",
    "git",
    "linux",
    "kubernetes",
    "go",
    "c#",
    "node.js",
    "azure",
    "postgresql",
    "terraform",
    "gcp",
    "c++",
    "kotlin",
    "rust",
    "scala",
    "spark",
    "airflow",
    "django",
    "flask",
    "fastapi",
    "spring",
    "swift",
    "php",
    "ruby",
    "rails",
    "vue",
    "angular",
    "graphql",
    "redis",
    "kafka",
    "mongodb",
    "elasticsearch",
    "snowflake",
    "dbt",
    "tableau",
    "power",
    "bi",
    "excel",
    "figma",
    "product",
    "management",
    "agile",
    "scrum",
    "jira",
    "devops",
    "ci/cd",
    "security",
    "networking",
    "machine",
    "learning",
    "pytorch",
    "tensorflow",
    "pandas",
    "statistics",
    "r",
    "sales",
]
COUNTRIES = [
    "GB",
    "DE",
    "FR",
    "NL",
    "ES",
    "PT",
    "IT",
    "IE",
    "PL",
    "SE",
    "DK",
    "NO",
    "FI",
    "BE",
    "AT",
    "CH",
    "CZ",
    "RO",
    "HU",
    "GR",
    "US",
    "CA",
    "BR",
    "MX",
    "AR",
    "IN",
    "SG",
    "AU",
    "NZ",
    "JP",
    "ZA",
    "NG",
    "KE",
    "EG",
    "AE",
    "IL",
    "TR",
    "UA",
    "EE",
    "LT",
]
CITIES = {
    "GB": ["London", "Manchester", "Edinburgh", "Bristol"],
    "DE": ["Berlin", "Munich", "Hamburg", "Cologne"],
    "FR": ["Paris", "Lyon", "Toulouse"],
    "NL": ["Amsterdam", "Rotterdam", "Utrecht"],
    "ES": ["Madrid", "Barcelona", "Valencia"],
    "PT": ["Lisbon", "Porto", "Braga"],
    "US": ["New York", "San Francisco", "Austin", "Seattle"],
    "IN": ["Bengaluru", "Pune", "Hyderabad"],
}
TAGS = [
    "open-source",
    "speaker",
    "pycon",
    "remote",
    "relocation",
    "senior",
    "junior",
    "contractor",
    "alumni",
    "referral-bonus",
    "silver-medallist",
    "graduate",
    "bootcamp",
    "visa-needed",
    "hackathon",
    "meetup",
    "diversity-event",
    "returner",
    "leadership",
    "part-time",
    "night-shift",
    "mentor",
    "blogger",
    "kaggle",
    "conference",
]
STAGES = {"lead": 45, "engaged": 18, "nurtured": 15, "applied": 8, "interviewing": 4, "offered": 2}
STAGES |= {"hired": 2, "rejected": 4, "archived": 2}
CHANNELS = {"careers_site": 35, "job_board": 20, "social": 14, "referral": 8, "event": 8, "import": 10, "recruiter": 5}
CONSENT = {"active": 55, "pending": 35, "withdrawn": 10}
ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32, as talentpool.ids encodes
POOL_START = datetime(2025, 1, 1, tzinfo=UTC)
POOL_SPAN = timedelta(days=700)


def _zipf(items: list[str], exponent: float = 1.07) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, len(items) + 1)]


def _weighted_sample(rng: random.Random, items: list[str], weights: list[float], k: int) -> list[str]:
    """k distinct items, each draw weighted (Efraimidis-Spirakis keys)."""
    keyed = sorted(((rng.random() ** (1 / w), item) for item, w in zip(items, weights, strict=True)), reverse=True)
    return [item for _, item in keyed[:k]]


def generate(size: int = POOL_SIZE, seed: int = SEED) -> list[Any]:
    """The pool as Candidate models: reproducible from the seed, ids included."""
    from talentpool.ids import new_id
    from talentpool.models.candidate import Candidate, ConsentRecord, Location, Source

    rng = random.Random(seed)
    skill_weights, tag_weights, country_weights = _zipf(SKILLS), _zipf(TAGS, 0.9), _zipf(COUNTRIES, 0.9)
    stages, channels, consent = (list(d) for d in (STAGES, CHANNELS, CONSENT))
    pool = []
    for _ in range(size):
        at = POOL_START + timedelta(seconds=rng.uniform(0, POOL_SPAN.total_seconds()))
        millis = int(at.timestamp() * 1000)
        candidate_id = new_id(millis)[:10] + "".join(rng.choice(ULID_ALPHABET) for _ in range(16))
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        country = rng.choices(COUNTRIES, country_weights)[0] if rng.random() < 0.95 else None
        city = rng.choice(CITIES.get(country or "", ["Capital", "Second City"])) if rng.random() < 0.85 else None
        pool.append(
            Candidate(
                candidate_id=candidate_id,
                email=f"{candidate_id.lower()}@example.com",
                skills=_weighted_sample(rng, SKILLS, skill_weights, rng.choice([0, 1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8])),
                years_experience=None if rng.random() < 0.1 else min(30, int(rng.gammavariate(2.0, 3.0))),
                location=Location(country=country, city=city) if country else None,
                stage=rng.choices(stages, list(STAGES.values()))[0],
                tags=_weighted_sample(rng, TAGS, tag_weights, rng.choice([0, 0, 0, 1, 1, 2, 3])),
                source=Source(channel=rng.choices(channels, list(CHANNELS.values()))[0]),
                consent=ConsentRecord(status=rng.choices(consent, list(CONSENT.values()))[0]),
                engagement=round(rng.betavariate(1.5, 4.0) * 10, 1),
                captured_at=stamp,
                updated_at=stamp,
            )
        )
    pool.sort(key=lambda c: c.candidate_id)
    return pool


def environment() -> AbstractContextManager[None]:
    """Fake credentials for moto, the layer on the path, and nothing else from the shell."""
    return support.moto_environment({"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION})


class QueryMeter:
    """DynamoDB's own figures, from each Query response: ScannedCount (read, billed) and Count."""

    def __init__(self) -> None:
        self.reset()

    def attach(self, client: Any) -> None:
        client.meta.events.register("after-call.dynamodb", self._after)

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "Query":
            self.calls += 1
            self.scanned += int(parsed.get("ScannedCount", 0))
            self.count += int(parsed.get("Count", 0))
        elif model.name not in ("BatchWriteItem", "CreateTable"):
            self.other_calls += 1  # a Scan (or any other read) on a search path would show here

    def reset(self) -> None:
        self.calls = self.scanned = self.count = self.other_calls = 0


@contextmanager
def _linear_item_size_check() -> Iterator[None]:
    """moto re-measures a whole item for every attribute it sets (its 400 KB check), which makes loading
    half a million items take an hour. Our items are a few KB, so the load skips that check; what is
    stored, and everything a query reads, is unchanged."""
    from moto.dynamodb.models import dynamo_type

    original = dynamo_type.LimitedSizeDict.__setitem__
    dynamo_type.LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        dynamo_type.LimitedSizeDict.__setitem__ = original  # type: ignore[method-assign]


def _load(pool: list[Any]) -> dict[str, Any]:
    from talentpool.adapters.aws.candidates import index_items, profile_item
    from talentpool.adapters.aws.table import Table

    items: list[dict[str, Any]] = []
    for candidate in pool:
        items.append(profile_item(candidate))
        items.extend(index_items(candidate).values())
    started = time.perf_counter()
    with _linear_item_size_check():
        Table(TABLE).batch_put(items)
    seconds = round(time.perf_counter() - started, 1)
    return {"items_written": len(items), "batch_write_calls": math.ceil(len(items) / 25), "load_seconds": seconds}


def _measure(
    shape: tuple[str, dict[str, Any], float | None, bool], summaries: list[Any], meter: QueryMeter
) -> dict[str, Any]:
    from talentpool.adapters.aws.search import SearchIndex
    from talentpool.adapters.aws.table import Table
    from talentpool.logic.people import search
    from talentpool.models.search import CandidateFilter

    name, fields, target, drain = shape
    query = CandidateFilter.model_validate(fields)
    index = SearchIndex(Table(TABLE))
    truth = sum(1 for s in summaries if search.matches(query, s))

    meter.reset()
    started = time.perf_counter()
    page = search.search_page(index, query, limit=PAGE_LIMIT, page_cursor=None)
    page_seconds = time.perf_counter() - started
    page_figures = _figures(meter, len(page.items), page_seconds)
    assert meter.scanned == page.read.items_read and meter.calls == page.read.queries, "the meter and logic disagree"

    drain_figures = None
    if drain:
        meter.reset()
        started = time.perf_counter()
        drained = [s.candidate_id for s in search.iter_matching(index, query)]
        drain_figures = _figures(meter, len(drained), time.perf_counter() - started)
        assert len(drained) == len(set(drained)) == truth, f"{name}: drained {len(drained)}, the pool holds {truth}"
        assert [s.candidate_id for s in page.items] == drained[:PAGE_LIMIT], f"{name}: the page is not the drain's head"
    assert meter.other_calls == 0, f"{name}: a search path made a call other than Query"
    ratios = [f["ratio"] for f in (page_figures, drain_figures) if f and f["ratio"] is not None]
    return {
        "name": name,
        "query": query.canonical(),
        "index": page.read.index,
        "matches": truth,
        "page": page_figures,
        "drain": drain_figures,
        "target": target,
        "passed": None if target is None else all(r <= target for r in ratios),
    }


def _figures(meter: QueryMeter, returned: int, seconds: float) -> dict[str, Any]:
    return {
        "items_read": meter.scanned,
        "items_returned": returned,
        "ratio": round(meter.scanned / returned, 3) if returned else None,
        "queries": meter.calls,
        "seconds": round(seconds, 2),
    }


def run() -> dict[str, Any]:
    with environment():
        from moto import mock_aws

        from talentpool.adapters.aws import clients, schema
        from talentpool.adapters.aws.candidates import summary
        from talentpool.models.search import CandidateSummary

        started = time.perf_counter()
        pool = generate()
        generate_seconds = round(time.perf_counter() - started, 1)
        clients.reset()
        with mock_aws():
            client = clients.client("dynamodb")
            client.create_table(**schema.table_definition(TABLE))
            load = _load(pool)
            meter = QueryMeter()
            meter.attach(client)
            summaries = [CandidateSummary.model_validate(summary(c)) for c in pool]
            shapes = [_measure(shape, summaries, meter) for shape in SHAPES]
        clients.reset()
    return {
        "pool": {"candidates": len(pool), "seed": SEED, "generate_seconds": generate_seconds, **load},
        "page_limit": PAGE_LIMIT,
        "target_ratio": TARGET_RATIO,
        "shapes": shapes,
    }


def _ratio(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return "not run"
    if figures["ratio"] is None:
        return f"{figures['items_read']} / 0"
    return f"{figures['items_read']:,} / {figures['items_returned']:,} = **{figures['ratio']:.2f}**"


def describe(figures: dict[str, Any]) -> str:
    pool = figures["pool"]
    rows = []
    for shape in figures["shapes"]:
        target = f"≤ {shape['target']}" if shape["target"] is not None else "report"
        result = "—" if shape["passed"] is None else support.verdict(shape["passed"])
        rows.append(
            [
                shape["name"],
                f"`{shape['index']}`",
                f"{shape['matches']:,}",
                _ratio(shape["page"]),
                shape["page"]["queries"],
                _ratio(shape["drain"]),
                shape["drain"]["queries"] if shape["drain"] else "",
                target,
                result,
            ]
        )
    table = support.markdown_table(
        [
            "query",
            "driven by",
            "matches",
            f"page of {figures['page_limit']}: read / returned",
            "queries",
            "full drain: read / returned",
            "queries",
            "target",
            "result",
        ],
        rows,
    )
    queries = "\n".join(f"- {s['name']}: `{s['query']}`" for s in figures["shapes"])
    return f"""## Segments: read amplification

Issue 3, section 5: on a {pool["candidates"]:,}-candidate pool, items read ÷ items returned must be at most
{figures["target_ratio"]} for a single-skill + experience-range query and for a stage query, with no scans.
Read is DynamoDB's ScannedCount summed over the Query responses (a botocore hook on the store's client),
returned is what the caller got. The page is the first `GET /candidates` page (limit {figures["page_limit"]});
the drain reads the whole result in 1 MB pages, as a segment count or a campaign audience does.

{table}

How: {pool["candidates"]:,} generated candidates (seed {pool["seed"]}) written as {pool["items_written"]:,} items
(profile + skill and tag index items, from the real `profile_item()`/`index_items()`) with
{pool["batch_write_calls"]:,} `BatchWriteItem` calls into in-process moto; each query then runs through
`logic.people.search` and `store.search`, and every drained result is checked against the generated pool. No call
other than `Query` was made on a search path. Query counts for GSI drains are higher under moto than in
DynamoDB: moto sizes its 1 MB page by the whole profile item, DynamoDB by the projected summary. Times
(moto walks the whole table for a GSI query) are not DynamoDB's and are left out.

Where a ratio is above 1 without a target, it is the filter's selectivity on the driving index: a
two-skill `all` query reads its sparser skill's entries and keeps those that have the other skill, and a
skill + country query reads the skill's entries and keeps one country. See `docs/data-model.md`, "Index
design for segments".

Queries:
{queries}

Measured {figures.get("measured_at", "?")} on {figures.get("machine", "?")} in {figures.get("bench_seconds", "?")} s.
"""
