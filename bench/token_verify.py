"""What authenticating a request costs: an RS256 check against a remembered token.

Every authenticated request and WebSocket connect verifies its bearer token.
This issues tokens with the embedded profile's dev issuer and times
``TokenVerifier.verify`` on tokens it has not seen (the signature is checked)
and on tokens it has (remembered, expiry checked again). Run from the
project root:

    python -m bench.token_verify --tokens 2000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench._results import report
from entrypoints.api.auth import DevIssuer, StaticJwks, TokenVerifier


async def _run(count: int, directory: Path) -> dict[str, float | int]:
    issuer = DevIssuer(directory / "key.pem", issuer="quiz", audience="players")
    verifier = TokenVerifier(StaticJwks(issuer.jwks()), issuer="quiz", audience="players")
    started = time.perf_counter()
    tokens = [issuer.issue(f"player {number}")[0] for number in range(count)]
    issued = time.perf_counter() - started
    await verifier.verify(tokens[0])  # the keys are fetched once
    timings = {}
    for label in ("first use (signature checked)", "again (remembered)"):
        started = time.perf_counter()
        for token in tokens:
            await verifier.verify(token)
        timings[label] = (time.perf_counter() - started) / count * 1e6
    return {
        "tokens": count,
        "issue, us per token": round(issued / count * 1e6, 1),
        **{f"verify, {label}, us": round(value, 1) for label, value in timings.items()},
    }


def main() -> None:
    """Parse the arguments, run once, print and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2_000)
    parser.add_argument("--no-write", dest="write", action="store_false")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as directory:
        figures = asyncio.run(_run(args.tokens, Path(directory)))
    report(
        figures,
        name="token-verify",
        command=f"python -m bench.token_verify --tokens {args.tokens}",
        write=args.write,
        as_json=args.json,
    )


if __name__ == "__main__":
    main()
