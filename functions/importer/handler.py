"""Imports an uploaded CSV (being written)."""
