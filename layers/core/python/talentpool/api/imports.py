"""Recruiter routes for CSV imports: start one with a presigned upload URL, then follow its progress."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from talentpool import http
from talentpool.api import deps
from talentpool.auth import Principal
from talentpool.clock import utcnow
from talentpool.composition import recruiter_api as wiring
from talentpool.logic.capture import imports
from talentpool.models.imports import CreateImportRequest, ImportCreated, ImportRecord

router = http.Router()


Recruiter = Annotated[Principal, Depends(deps.recruiter)]
Statuses = Annotated[wiring.ImportStatusStore, Depends(wiring.import_statuses)]
Uploads = Annotated[wiring.ImportUploads, Depends(wiring.import_uploads)]
ImportId = Annotated[str, Path(min_length=1, max_length=64, description="The import's id")]

ERRORS: dict[int, OpenAPIResponse] = {
    401: {"description": "No valid token"},
    403: {"description": "Not in an allowed group"},
}


@router.post(
    "/imports",
    summary="Start a CSV import",
    description="Returns an import id and a presigned URL. PUT the CSV there (Content-Type: text/csv) within "
    "15 minutes; the upload starts the import. Each import runs once: to import another file, start another "
    "import. Columns, aliases and limits: docs/imports.md.",
    responses={
        201: http.model_response(ImportCreated, "Waiting for the upload"),
        422: {"description": "Validation failed; `fields` says which"},
        **ERRORS,
    },
    tags=["Imports"],
)
def post_import(
    caller: Recruiter,
    book: Statuses,
    area: Uploads,
    request: Annotated[CreateImportRequest | None, Body()] = None,
) -> Response[Any]:
    created: ImportCreated = imports.create_import(
        book, area, caller=caller, notes=request.notes if request else None, now=utcnow()
    )
    return http.json_response(HTTPStatus.CREATED, created.model_dump(mode="json"))


@router.get(
    "/imports/<import_id>",
    summary="An import's progress and result",
    description="Status (waiting_for_upload, processing, completed, failed), rows total and processed, "
    "imported, merged, rejected, and the first 1000 row errors with row number, column and reason. A failed "
    "import says why in `failure`.",
    responses={200: {"description": "The import"}, 404: {"description": "No such import"}, **ERRORS},
    tags=["Imports"],
)
def get_import(import_id: ImportId, caller: Recruiter, book: Statuses) -> ImportRecord:
    return imports.get_import(book, import_id)
