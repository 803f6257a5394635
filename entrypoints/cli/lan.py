"""Where phones on a classroom network can reach this machine."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import socket
import struct

# ioctl(2) request that reads an interface's IPv4 address (Linux).
_SIOCGIFADDR = 0x8915


def interface_addresses() -> list[str]:
    """Return this machine's IPv4 addresses, loopback and link-local last."""
    found: set[str] = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, request)
            except OSError:
                continue  # no IPv4 address on this interface
            found.add(socket.inet_ntoa(reply[20:24]))
    with contextlib.suppress(OSError):
        found.update(
            str(info[4][0])
            for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        )
    return sorted(found, key=_preference)


def _preference(address: str) -> tuple[int, tuple[int, ...]]:
    parsed = ipaddress.IPv4Address(address)
    rank = 2 if parsed.is_loopback else 1 if parsed.is_link_local else 0
    return rank, tuple(int(part) for part in address.split("."))


def player_urls(port: int, addresses: list[str]) -> list[str]:
    """Return the URLs players can open, the most likely first."""
    usable = sorted(
        (a for a in addresses if not ipaddress.IPv4Address(a).is_loopback), key=_preference
    )
    return [f"http://{address}:{port}/" for address in usable]
