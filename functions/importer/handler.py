"""The importer: a CSV uploaded under uploads/ in the imports bucket runs its import, one S3 record at a time."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from talentpool.adapters.aws.events import EventBus
from talentpool.adapters.aws.imports import ImportCandidateStore, ImportStatusStore, ImportUploads
from talentpool.adapters.aws.table import Table
from talentpool.clock import utcnow
from talentpool.config import ImporterEnv, load
from talentpool.logic.capture.imports import ImportServices, Upload, run_import
from talentpool.observability import logger, metrics, tracer

ENV = load(ImporterEnv)
TABLE = Table(ENV.table_name)
SERVICES = ImportServices(
    book=ImportStatusStore(TABLE),
    area=ImportUploads(ENV.imports_bucket),
    pool=ImportCandidateStore(TABLE),
    bus=EventBus(ENV.event_bus_name),
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    # The data class, not the parser's S3Model: it reads the fields we use and tolerates the ones moto and
    # some S3 event sources leave out (userIdentity, requestParameters...), which the strict model requires.
    results: list[dict[str, Any]] = []
    for record in event.records:
        if record.s3.bucket.name != ENV.imports_bucket:
            logger.warning("event from another bucket ignored")
            continue
        s3_object = record.s3.get_object
        upload = Upload(key=unquote_plus(s3_object.key), etag=s3_object.etag, size_bytes=s3_object.size)
        status = run_import(
            upload,
            SERVICES,
            clock=utcnow,
            time_left=lambda: context.get_remaining_time_in_millis() / 1000,
            max_rows=ENV.import_max_rows,
        )
        if status is not None:
            results.append({"import_id": status.import_id, "status": status.status.value})
    return {"imports": results}
