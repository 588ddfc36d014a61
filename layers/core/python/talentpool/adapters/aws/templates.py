"""Email templates recruiters have edited, stored per stage; the defaults live in code."""

from __future__ import annotations

from talentpool.adapters.aws.schema import PK, SK
from talentpool.adapters.aws.table import Table
from talentpool.models.candidate import Stage
from talentpool.models.templates import StageEmailTemplate

STAGE_TEMPLATES = "TEMPLATE#stage"


class TemplateStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def stage_template(self, stage: Stage) -> StageEmailTemplate | None:
        item = self.table.get({PK: STAGE_TEMPLATES, SK: stage.value}, consistent=False)
        return StageEmailTemplate.model_validate(item["template"]) if item else None

    def save_stage_template(self, stage: Stage, template: StageEmailTemplate, *, actor: str, at: str) -> None:
        self.table.put(
            {
                PK: STAGE_TEMPLATES,
                SK: stage.value,
                "entity": "template",
                "template": template.model_dump(),
                "updated_by": actor,
                "updated_at": at,
            }
        )

    def edited_stage_templates(self) -> dict[Stage, StageEmailTemplate]:
        return {
            Stage(item[SK]): StageEmailTemplate.model_validate(item["template"])
            for item in self.table.query_all(STAGE_TEMPLATES)
        }
