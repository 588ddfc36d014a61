"""Business rules, grouped by journey (capture, people, sending, sequences, campaigns, reports, privacy, ops).

Logic never sees an HTTP event and never imports boto3, an adapter or the wiring: it works through the Protocols
in talentpool.ports and raises the domain errors of talentpool.errors. Every email goes through logic.sending.
"""
