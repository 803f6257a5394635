"""Wire form of domain messages on SNS, SQS, Kinesis and EventBridge.

The body is always ``message.to_dict()`` as compact JSON. Consumers accept the
bare form and the two envelopes a queue can receive it in: SNS notifications
(raw message delivery off) and EventBridge events (a rule targeting a queue).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from quizcore import routing
from quizcore.messages import (
    MESSAGE_TYPES,
    Message,
    SubmitAnswer,
    message_from_dict,
)


class PoisonMessage(ValueError):
    """A body that is not a domain message; retrying it cannot help."""


def encode(message: Message) -> str:
    """Return the message as compact JSON."""
    return json.dumps(message.to_dict(), separators=(",", ":"), ensure_ascii=False)


def partition_key(command: SubmitAnswer) -> str:
    """Return the answer's stream key: its session and participant.

    A session's answers spread over every shard and every parallel consumer,
    while one participant's answers share a key and so keep their order.
    """
    return f"{command.session_id}/{command.user_id}"


def message_attributes(message: Message) -> dict[str, dict[str, str]]:
    """Return SNS/SQS message attributes for filtering and tracing."""
    return {
        "type": {"DataType": "String", "StringValue": message.kind},
        "session_id": {"DataType": "String", "StringValue": message.session_id},
    }


def unwrap(data: Any) -> Any:
    """Strip an SNS or EventBridge envelope off a decoded body, if present."""
    if isinstance(data, dict):
        if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
            try:
                return json.loads(data["Message"])
            except json.JSONDecodeError as ex:
                raise PoisonMessage(f"SNS message is not JSON: {ex}") from ex
        if "detail-type" in data and isinstance(data.get("detail"), dict):
            return data["detail"]
    return data


def decode(body: str | bytes) -> Message:
    """Rebuild a domain message from a body; raise PoisonMessage if impossible."""
    try:
        data = unwrap(json.loads(body))
    except (json.JSONDecodeError, UnicodeDecodeError) as ex:
        raise PoisonMessage(f"body is not JSON: {ex}") from ex
    if not isinstance(data, dict):
        raise PoisonMessage(f"body is a JSON {type(data).__name__}, not an object")
    try:
        return message_from_dict(data)
    except (ValueError, TypeError) as ex:
        raise PoisonMessage(str(ex)) from ex


class MessageRouter:
    """Maps message types to destinations (topic ARNs or queue URLs)."""

    def __init__(self, routes: Mapping[str, str], default: str | None = None) -> None:
        unknown = set(routes) - set(MESSAGE_TYPES)
        if unknown:
            raise ValueError(f"unknown message types in routes: {sorted(unknown)}")
        self.routes = dict(routes)
        self.default = default

    def destination(self, message: Message) -> str:
        """Return where the message goes; raise ValueError if nowhere."""
        target = self.routes.get(message.kind, self.default)
        if target is None:
            raise ValueError(f"no destination for {message.kind} messages")
        return target

    @classmethod
    def fan(cls, destination: str, kinds: Iterable[str]) -> dict[str, str]:
        """Return routes sending every type in ``kinds`` to one destination."""
        return dict.fromkeys(kinds, destination)


def seed_topic_router(stream_result_arn: str, quiz_events_arn: str) -> MessageRouter:
    """Return the seed's routing, read from ``quizcore.routing``.

    Stream results go to 6.1 and other events to quiz-events; ``SubmitAnswer``
    is a command for the answer stream and has no topic.
    """
    arn_of = {routing.STREAM_RESULT: stream_result_arn, routing.QUIZ_EVENTS: quiz_events_arn}
    routes = {}
    for kind in MESSAGE_TYPES:
        topic = routing.topic_of(kind)
        if topic is not None:
            routes[kind] = arn_of[topic]
    return MessageRouter(routes)
