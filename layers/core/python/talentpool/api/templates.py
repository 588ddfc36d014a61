"""Recruiter routes for the editable stage status emails."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import Field

from talentpool import http
from talentpool.api import deps
from talentpool.auth import Principal
from talentpool.clock import isoformat, utcnow
from talentpool.composition import recruiter_api as wiring
from talentpool.logic.sending.stage_email import DEFAULTS
from talentpool.models.base import Model
from talentpool.models.candidate import Stage
from talentpool.models.templates import STAGE_EMAIL_PLACEHOLDERS, StageEmailTemplate

router = http.Router()


class StageTemplateView(Model):
    stage: Stage
    template: StageEmailTemplate
    edited: bool = Field(description="False while the built-in default is in use")


class StageTemplateList(Model):
    placeholders: list[str] = Field(description="What a template may use, as {{name}} or {{name|fallback}}")
    templates: dict[str, StageTemplateView]


Recruiter = Annotated[Principal, Depends(deps.recruiter)]
Templates = Annotated[wiring.TemplateStore, Depends(wiring.template_store)]


@router.get(
    "/templates/stages",
    summary="Stage status email templates",
    description="The template each stage sends when a candidate moves into it: edited ones, else the default. "
    "Stages without a template send nothing.",
    responses={
        200: http.model_response(StageTemplateList, "Templates by stage"),
        401: {"description": "No valid token"},
        403: {"description": "Not a recruiter"},
    },
    tags=["Templates"],
)
def list_stage_templates(caller: Recruiter, store: Templates) -> StageTemplateList:
    edited = store.edited_stage_templates()
    return StageTemplateList(
        placeholders=sorted(STAGE_EMAIL_PLACEHOLDERS),
        templates={
            stage.value: StageTemplateView(
                stage=stage, template=edited.get(stage) or DEFAULTS[stage], edited=stage in edited
            )
            for stage in Stage
            if stage in edited or stage in DEFAULTS
        },
    )


@router.put(
    "/templates/stages/<stage>",
    summary="Edit a stage's status email",
    description="Replace the subject, text and HTML for one stage. A placeholder outside the listed ones is "
    "refused now (422), so it can never fail when an email is sent.",
    responses={
        200: http.model_response(StageTemplateView, "Saved"),
        401: {"description": "No valid token"},
        403: {"description": "Not a recruiter"},
        422: {"description": "Unknown placeholder or bad field"},
    },
    tags=["Templates"],
)
def put_stage_template(
    stage: Annotated[Stage, Path(description="The stage the email is for")],
    template: StageEmailTemplate,
    caller: Recruiter,
    store: Templates,
) -> StageTemplateView:
    store.save_stage_template(stage, template, actor=caller.actor, at=isoformat(utcnow()))
    return StageTemplateView(stage=stage, template=template, edited=True)
