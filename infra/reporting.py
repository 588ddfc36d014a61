"""Athena over the reports bucket: a Glue database, a table per report CSV and one over the event log, a workgroup.

Every table is partitioned by `dt` (the `dt=YYYY-MM-DD/` folders the report job and the stream consumer write)
with partition projection, so a new day is queryable the moment its files land: no crawler, no MSCK REPAIR.
Column names come from the code that writes the files (the CSV headers, EVENT_LOG_COLUMNS); their Athena types
are declared here, and a column the writer gains without a type here fails the synth, naming it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from talentpool.adapters.aws.reports import ATHENA_TABLES, TABLES_PREFIX
from talentpool.models.aggregates import EVENT_LOG_COLUMNS, EVENT_LOG_PREFIX
from talentpool.models.reports import FUNNEL_FILE, SEQUENCES_FILE, SOURCES_FILE
from talentpool.spreadsheet import FUNNEL_HEADER, SEQUENCES_HEADER, SOURCES_HEADER

PARTITION = "dt"
# The first day any report can exist; the projection enumerates days from here to today.
FIRST_DAY = "2026-01-01"
RESULTS_PREFIX = "athena-results/"
# Query results can quote event-log rows (pseudonymous candidate ids): kept a week, not the bucket's 400 days.
RESULTS_EXPIRE = Duration.days(7)
EVENTS_TABLE = "events"

# Athena types of the report CSVs' columns (docs/reports.md). `step` is a string there: `-` outside a sequence.
CSV_COLUMN_TYPES: dict[str, str] = {
    "channel": "string",
    "step": "string",
    "step_order": "int",
    "candidates": "bigint",
    "conversion_from_previous": "double",
    "conversion_from_captured": "double",
    "dimension": "string",
    "value": "string",
    "captured_in_period": "bigint",
    "captured_last_30_days": "bigint",
    "captured_all_time": "bigint",
    "confirmed_all_time": "bigint",
    "engaged_all_time": "bigint",
    "applied_all_time": "bigint",
    "hired_all_time": "bigint",
    "confirmed_rate": "double",
    "applied_rate": "double",
    "hired_rate": "double",
    "sequence_id": "string",
    "sent": "bigint",
    "delivered": "bigint",
    "opened": "bigint",
    "clicked": "bigint",
    "bounced": "bigint",
    "complained": "bigint",
    "unsubscribed": "bigint",
    "open_rate": "double",
    "click_rate": "double",
}
CSV_HEADERS: dict[str, Sequence[str]] = {
    FUNNEL_FILE: FUNNEL_HEADER,
    SOURCES_FILE: SOURCES_HEADER,
    SEQUENCES_FILE: SEQUENCES_HEADER,
}

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
# OpenCSVSerde, not LazySimpleSerDe: a utm_source may hold a comma, and the writer then quotes it.
CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"


@dataclass(frozen=True)
class TableSpec:
    """One Athena table: where its files are, their columns and how to read them."""

    name: str
    description: str
    prefix: str  # the folder holding the table's dt= partitions
    columns: tuple[tuple[str, str], ...]
    serde: str
    serde_parameters: Mapping[str, str]
    parameters: Mapping[str, str]


def csv_columns(header: Sequence[str]) -> tuple[tuple[str, str], ...]:
    missing = [column for column in header if column not in CSV_COLUMN_TYPES]
    if missing:
        raise KeyError(f"infra/reporting.py has no Athena type for report column(s) {', '.join(missing)}")
    return tuple((column, CSV_COLUMN_TYPES[column]) for column in header)


def table_specs() -> tuple[TableSpec, ...]:
    """The three daily report CSVs (under tables/<name>/) and the JSON-lines event log (under events/)."""
    csv = [
        TableSpec(
            name=table,
            description=f"Daily report {file_name}, one partition per report day (docs/reports.md)",
            prefix=f"{TABLES_PREFIX}{table}/",
            columns=csv_columns(CSV_HEADERS[file_name]),
            serde=CSV_SERDE,
            serde_parameters={"separatorChar": ",", "quoteChar": '"', "escapeChar": "\\"},
            parameters={
                "classification": "csv",
                "skip.header.line.count": "1",
                # OpenCSVSerde cannot read an empty cell as a number; the writer leaves a value that does not
                # exist (a rate with nothing to divide by) empty, which this makes NULL, as docs/reports.md says.
                "use.null.for.invalid.data": "TRUE",
            },
        )
        for file_name, table in ATHENA_TABLES.items()
    ]
    events = TableSpec(
        name=EVENTS_TABLE,
        description="Pseudonymous event log from the table's stream, one partition per day; count DISTINCT event_id",
        prefix=EVENT_LOG_PREFIX,
        columns=tuple(EVENT_LOG_COLUMNS.items()),
        serde=JSON_SERDE,
        serde_parameters={},
        parameters={"classification": "json"},
    )
    return (*csv, events)


def glue_name(stack_name: str) -> str:
    """Glue and Athena names: lower case, digits and underscores."""
    return re.sub(r"[^a-z0-9_]", "_", stack_name.lower())


class ReportTables(Construct):
    """The Glue database and tables over the reports bucket, and an Athena workgroup that writes results there."""

    def __init__(self, scope: Construct, construct_id: str, *, bucket: s3.Bucket) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._bucket = bucket
        self.database_name = glue_name(stack.stack_name)
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="Talentpool reports and event log (no personal data; candidate ids are pseudonymous)",
            ),
        )
        self.tables: dict[str, glue.CfnTable] = {spec.name: self._table(spec) for spec in table_specs()}
        bucket.add_lifecycle_rule(id="ExpireAthenaResults", prefix=RESULTS_PREFIX, expiration=RESULTS_EXPIRE)
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=self.database_name,
            description="Queries over the Talentpool reports; results encrypted, in the reports bucket",
            state="ENABLED",
            # Let a stack deletion remove the workgroup even when it holds saved queries and history.
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                # A client cannot send results elsewhere or unencrypted.
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=self.location(RESULTS_PREFIX),
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                    expected_bucket_owner=Aws.ACCOUNT_ID,
                ),
            ),
        )

    def location(self, prefix: str) -> str:
        return f"s3://{self._bucket.bucket_name}/{prefix}"

    def _table(self, table: TableSpec) -> glue.CfnTable:
        location = self.location(table.prefix)
        projection = {
            "projection.enabled": "true",
            f"projection.{PARTITION}.type": "date",
            f"projection.{PARTITION}.format": "yyyy-MM-dd",
            f"projection.{PARTITION}.range": f"{FIRST_DAY},NOW",
            f"projection.{PARTITION}.interval": "1",
            f"projection.{PARTITION}.interval.unit": "DAYS",
            "storage.location.template": f"{location}{PARTITION}=${{{PARTITION}}}/",
        }
        serde: dict[str, Any] = {"serialization_library": table.serde}
        if table.serde_parameters:
            serde["parameters"] = dict(table.serde_parameters)
        return glue.CfnTable(
            self,
            f"Table-{table.name}",
            catalog_id=Aws.ACCOUNT_ID,
            database_name=self.database.ref,  # Ref is the database's name, and orders the table after it
            table_input=glue.CfnTable.TableInputProperty(
                name=table.name,
                description=table.description,
                table_type="EXTERNAL_TABLE",
                parameters={"EXTERNAL": "TRUE", **table.parameters, **projection},
                partition_keys=[glue.CfnTable.ColumnProperty(name=PARTITION, type="string")],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    input_format=TEXT_INPUT,
                    output_format=TEXT_OUTPUT,
                    columns=[glue.CfnTable.ColumnProperty(name=name, type=kind) for name, kind in table.columns],
                    serde_info=glue.CfnTable.SerdeInfoProperty(**serde),
                ),
            ),
        )
