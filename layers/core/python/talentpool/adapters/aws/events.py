"""Publishing domain events to the EventBridge bus."""

from __future__ import annotations

from talentpool.adapters.aws.clients import client
from talentpool.errors import EventPublishFailed
from talentpool.models.events import BusEvent
from talentpool.observability import logger

SOURCE = "talentpool"
MAX_ENTRIES_PER_CALL = 10  # PutEvents' limit


class EventBus:
    def __init__(self, bus_name: str) -> None:
        self.bus_name = bus_name

    def publish(self, *events: BusEvent) -> None:
        """Put the events, ten per call; botocore retries throttling, and refused entries are retried once."""
        for start in range(0, len(events), MAX_ENTRIES_PER_CALL):
            self._put(events[start : start + MAX_ENTRIES_PER_CALL])

    def _put(self, events: tuple[BusEvent, ...]) -> None:
        entries = [
            {
                "Source": SOURCE,
                "DetailType": event.detail_type,
                "Detail": event.model_dump_json(),
                "EventBusName": self.bus_name,
            }
            for event in events
        ]
        for _attempt in range(2):
            response = client("events").put_events(Entries=entries)
            if not response.get("FailedEntryCount"):
                return
            entries = [e for e, r in zip(entries, response["Entries"], strict=True) if r.get("ErrorCode")]
        logger.error("events not published", extra={"count": len(entries)})
        raise EventPublishFailed(f"{len(entries)} events were not published")
