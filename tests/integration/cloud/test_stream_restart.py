"""A restarted stream processor resumes where it stopped.

Answers it already recorded and announced must not be announced again: every
re-announcement is rescored and pushed to the players once more (a new
``answer.result``, and an FCM message where Firebase is configured), so a
deploy that replays the stream's whole retention (24 h by default) floods
the pipeline and the clients with old results.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from adapters.aws_messaging import aws_client, create_queue_with_dlq, subscribe_queue
from tests.integration.cloud.harness import (
    CloudProcesses,
    Stores,
    new_session,
    play_over_http,
    wait_scored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

WATCH_S = 8


async def test_a_restarted_stream_processor_does_not_announce_old_answers_again(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient, unique: str
) -> None:
    host, players = await new_session(api, "restart", 3)
    await play_over_http(api, host, players, 1)
    await wait_scored(stores, host.session_id, players, 120)

    # Listen to the stream-result topic from now on.
    settings = cloud.settings
    queue = await create_queue_with_dlq(stores.sqs, f"qc-{unique}-watch")
    async with aws_client("sns", settings.aws_region, settings.aws_endpoint_url) as sns:
        subscription = await subscribe_queue(
            sns, stores.sqs, cloud.created["stream_result"], queue.url, raw=True
        )
        try:
            assert await asyncio.to_thread(cloud.terminate, "stream-processor") == 0
            await asyncio.to_thread(cloud.restart, "stream-processor", 90)
            announced: list[str] = []
            deadline = time.monotonic() + WATCH_S
            while time.monotonic() < deadline:
                response = await stores.sqs.receive_message(
                    QueueUrl=queue.url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                )
                announced.extend(m["Body"] for m in response.get("Messages", []))
        finally:
            await sns.unsubscribe(SubscriptionArn=subscription)
    assert announced == [], f"{len(announced)} old answers announced again after the restart"
