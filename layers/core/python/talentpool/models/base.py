"""The base of every model here: its validator is built when the model is first used, not when it is imported.

A cold start imports whole modules of models but uses few of them: a careers-site post validates one request and
writes one submission, yet its modules define the stored candidate, every bus event and every query. Built on
first use, the models a request never touches cost it nothing (docs/performance.md, "Cold init").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
