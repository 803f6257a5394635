"""Finishing a session while its last answers are still in the pipeline.

Every answer the API accepted (202) before the host finished was received in
time, so it counts: the final standings that the quiz-event worker writes to
Aurora must include it, however far down the pipeline it still was when the
session finished. The score-event worker is paused (SIGSTOP) from before the
answers until the final standings are written, so the answers are certainly
still in flight at the finish, whatever the speed of the machine.
"""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from tests.integration.cloud.harness import (
    CloudProcesses,
    Stores,
    assert_projections_match,
    new_session,
    play_over_http,
    wait_final,
    wait_scored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


async def test_answers_in_flight_at_finish_are_in_the_final_results(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    host, players = await new_session(api, "finish", 12)
    worker = cloud.system.processes["score-event"]
    os.kill(worker.pid, signal.SIGSTOP)
    try:
        await play_over_http(api, host, players, 1)
        await host.act("finish")  # at once: every answer accepted, none scored
        await wait_final(stores, host.session_id, len(players))
    finally:
        os.kill(worker.pid, signal.SIGCONT)

    await wait_scored(stores, host.session_id, players, 120)
    await cloud.wait_drained(stores.sqs)
    # DynamoDB and Redis are right; the final results in Aurora must be too.
    await assert_projections_match(stores, host.session_id, players, final=True)
