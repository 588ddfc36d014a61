"""Pydantic models: API inputs and outputs, stored domain records, and events."""
