"""Pydantic models and enums: API inputs and outputs, stored domain records, and events.

The bottom layer: models import no other talentpool package (no logic, ports, adapters or api).
"""
