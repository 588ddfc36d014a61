"""Capture: public submissions, confirming an address, CSV imports."""
