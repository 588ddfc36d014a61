"""Ports: the Protocols logic works through (repositories, mailer, event bus, workflows, schedules).

No implementation lives here: talentpool.adapters implements them and unit tests pass fakes. Imports only models.
"""
