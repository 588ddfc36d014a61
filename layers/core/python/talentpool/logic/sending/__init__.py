"""Sending: who may be emailed now, send-once, building emails and planning the next send."""
