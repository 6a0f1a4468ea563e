"""Data subject requests: registered with the date received and answered within one month
(Art. 12(3)). Kept in the store as ``recordings/_rights/requests/<id>.json`` (the prefix the
roles are scoped to) so every node and the DPO's machine see the same list."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import secrets
from dataclasses import asdict, dataclass, replace

from media_node.rights.objects import list_keys
from media_node.vault.manifest import check_pseudonym
from media_node.vault.store import ObjectStore

__all__ = ["KINDS", "Request", "add_one_month", "close_request", "list_requests", "open_request"]

PREFIX = "recordings/_rights/requests/"
KINDS = ("access", "erasure")


def add_one_month(day: dt.date) -> dt.date:
    """The same day next month, or that month's last day (31 Jan -> 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Request:
    request_id: str
    subject: str
    """Pseudonymous id of the data subject."""
    kind: str
    """``access`` (Art. 15) or ``erasure`` (Art. 17)."""
    received: str
    """Date the request reached the controller (YYYY-MM-DD): the month runs from here."""
    due: str
    """received + one month (Art. 12(3))."""
    status: str = "open"
    answered: str = ""
    answer: str = ""
    """What answered it: an export file's SHA-256 or an erasure receipt id."""

    def __post_init__(self) -> None:
        check_pseudonym(self.subject, "subject")
        if self.kind not in KINDS:
            raise ValueError(f"'kind' must be in {list(KINDS)} (got '{self.kind}')")

    def overdue(self, today: dt.date) -> bool:
        return self.status == "open" and dt.date.fromisoformat(self.due) < today


def _key(request_id: str) -> str:
    return f"{PREFIX}{request_id}.json"


def _save(store: ObjectStore, request: Request) -> None:
    store.put_bytes(
        _key(request.request_id),
        json.dumps(asdict(request), sort_keys=True).encode(),
        "application/json",
    )


def open_request(store: ObjectStore, subject: str, kind: str, received: dt.date) -> Request:
    request = Request(
        request_id=f"dsr-{received:%Y%m%d}-{secrets.token_hex(4)}",
        subject=subject,
        kind=kind,
        received=received.isoformat(),
        due=add_one_month(received).isoformat(),
    )
    _save(store, request)
    return request


def close_request(store: ObjectStore, request_id: str, answered: dt.date, answer: str) -> Request:
    found = [
        r
        for r in list_requests(store, dt.date.min, include_closed=True)
        if r.request_id == request_id
    ]
    if not found:
        raise KeyError(f"no request {request_id!r}")
    closed = replace(found[0], status="answered", answered=answered.isoformat(), answer=answer)
    _save(store, closed)
    return closed


def list_requests(
    store: ObjectStore, today: dt.date, *, include_closed: bool = False
) -> list[Request]:
    """Open requests (all with ``include_closed``): overdue first, then by due date."""
    requests = []
    for key in list_keys(store, PREFIX):
        request = Request(**json.loads(store.get_bytes(key)))
        if include_closed or request.status == "open":
            requests.append(request)
    return sorted(requests, key=lambda r: (not r.overdue(today), r.due, r.request_id))
