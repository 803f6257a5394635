"""How the API is served: uvicorn's limits, shared by every way of serving it.

``quiz serve``, gunicorn's workers and the test suites all take their
options from ``server_options`` so the limits the tests prove are the ones
production runs with.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from entrypoints.settings import Settings

_STATUS_431 = b"HTTP/1.1 431 Request Header Fields Too Large\r\n"


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol with a cap on the request line and headers.

    httptools buffers a header of any size; this counts the bytes of each
    request until its headers are complete and answers 431 (RFC 6585) as
    soon as they pass the cap, without parsing further.
    """

    max_header_bytes = 16 * 1024
    # After refusing, read and drop this much more so the client gets the
    # 431 before the connection closes (closing on unread data resets it).
    linger_bytes = 4 * 1024 * 1024
    linger_seconds = 2.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._in_head = True
        self._refused = False

    def on_message_begin(self) -> None:
        """Start counting a new request's head."""
        super().on_message_begin()
        self._in_head = True

    def on_headers_complete(self) -> None:
        """Stop counting: the body has its own limit."""
        self._in_head = False
        self._head_bytes = 0
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        """Refuse a request whose head grows past the cap."""
        if self._refused:
            self._head_bytes += len(data)
            if self._head_bytes > self.linger_bytes:
                self.transport.abort()
            return
        if self._in_head:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_header_bytes:
                self._send_431()
                return
        super().data_received(data)

    def _send_431(self) -> None:
        body = b'{"type":"about:blank","title":"Request header fields too large",'
        body += b'"status":431,"code":"headers_too_large","detail":"request headers are '
        body += b"limited to " + str(self.max_header_bytes).encode() + b' bytes"}'
        head = [
            _STATUS_431,
            b"content-type: application/problem+json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        self._refused = True
        self._head_bytes = 0
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(self.linger_seconds, self.transport.close)


def bounded_protocol(settings: Settings) -> type[BoundedHttpToolsProtocol]:
    """Return the HTTP protocol class with the settings' header cap."""
    return type(
        "HttpProtocol",
        (BoundedHttpToolsProtocol,),
        {"max_header_bytes": settings.max_header_bytes},
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """Return uvicorn's options for the API under these settings."""
    return {
        "http": bounded_protocol(settings),
        "ws": "websockets-sansio",
        # The websockets protocol reads a frame's length from its header and
        # closes with 1009 before reading a longer payload.
        "ws_max_size": settings.ws_max_message_bytes,
        "ws_ping_interval": settings.ws_ping_seconds,
        "ws_ping_timeout": settings.ws_ping_seconds,
        # Frames are small JSON: compressing each one costs more CPU than the
        # bytes it saves, and the live channel sends thousands per second.
        "ws_per_message_deflate": False,
        # Logging is ours (entrypoints.logs), which redacts tokens.
        "log_config": None,
        "access_log": False,
    }
