"""RFC 3339 rendering of the domain's epoch-millisecond times."""

from __future__ import annotations

from datetime import UTC, datetime

TIME_FIELDS = frozenset(
    {"opens_at", "closes_at", "closed_at", "at", "server_time", "finished_at", "created_at"}
)


def rfc3339(epoch_ms: int) -> str:
    """Return ``epoch_ms`` as an RFC 3339 UTC string with milliseconds."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def present(payload: dict[str, object]) -> dict[str, object]:
    """Return a copy with every known time field rendered as RFC 3339."""
    rendered: dict[str, object] = {}
    for key, value in payload.items():
        if key in TIME_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            rendered[key] = rfc3339(value)
        elif isinstance(value, dict):
            rendered[key] = present(value)
        else:
            rendered[key] = value
    return rendered
