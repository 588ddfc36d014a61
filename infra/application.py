"""Builds the CDK app: settings from context, the stack in its environment, and cdk-nag as a validation plugin."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Aspects, Environment, Tags, Validations
from cdk_nag import AwsSolutionsChecks

from infra.hygiene import MarkImpliedDependencies
from infra.settings import Settings
from infra.stack import TalentpoolStack

STACK_NAME = "Talentpool"


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> tuple[App, TalentpoolStack]:
    """The app `cdk` runs (context from cdk.json) and the one tests synthesise (context passed in)."""
    app = App(context=dict(context or {}), outdir=outdir)
    settings = Settings.from_context(app.node)
    settings.check_deployable()
    stack = TalentpoolStack(
        app,
        STACK_NAME,
        settings=settings,
        env=environment(settings),
        description="Talentpool: serverless candidate relationship management",
    )
    Tags.of(stack).add("project", "talentpool")
    Aspects.of(stack).add(MarkImpliedDependencies())
    add_compliance_checks(app)
    return app, stack


def add_compliance_checks(app: App) -> None:
    """cdk-nag's AwsSolutions pack, run when the app synthesises; any unacknowledged finding fails the synth.

    cdk-nag v3 is a validation plugin (the v2 way, Aspects, crashes with v3). Acknowledgements are also
    written into each resource's template Metadata, so the reasons travel with the template for review.
    """
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))


def environment(settings: Settings) -> Environment | None:
    """The `region` context wins, then the CLI's default region; with neither the stack is env-agnostic,
    which is what lets `make synth` run offline with no credentials."""
    region = settings.region or os.environ.get("CDK_DEFAULT_REGION", "")
    if not region:
        return None
    return Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region)
