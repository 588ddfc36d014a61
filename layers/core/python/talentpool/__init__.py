"""Talentpool's shared code: models, logic and the data-access store, shipped to Lambda as a layer."""
