"""Talentpool's shared code, shipped to Lambda as a layer: api, logic, ports, adapters, composition, models,
views and templates.

docs/architecture.md has the table of what each package may import; `lint-imports` enforces it.
"""
