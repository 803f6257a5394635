"""A small message bus: routes each message to the handlers subscribed to its type."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable

from quizcore.messages import Message

Handler = Callable[[Message], Awaitable[None]]


class MessageBus:
    """Routes messages to handlers by type; each handler runs once per delivery."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, kind: str, handler: Handler) -> None:
        """Call ``handler`` for every message of type ``kind``."""
        self._handlers[kind].append(handler)

    def handlers(self, kind: str) -> list[Handler]:
        """Return the handlers of a message type."""
        return list(self._handlers.get(kind, ()))

    async def dispatch(self, message: Message) -> None:
        """Run every handler of the message, in subscription order."""
        for handler in self._handlers.get(message.kind, ()):
            await handler(message)
