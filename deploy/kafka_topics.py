"""Create the design document's Kafka topics (idempotent), waiting for the broker to answer first.

python -m deploy.kafka_topics [--partitions N] [--bootstrap HOST:PORT] [--wait SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError

from services.shared.settings import DEFAULT_KAFKA_BOOTSTRAP
from services.shared.topics import ALL_TOPICS


async def wait_for_broker(bootstrap: str, deadline_s: float) -> AIOKafkaAdminClient:
    # aiokafka logs every refused connection while the broker boots; the loop below reports progress instead.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    started = time.monotonic()
    last_error: Exception | None = None
    while time.monotonic() - started < deadline_s:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return admin
        except (KafkaConnectionError, KafkaError, OSError) as exc:
            last_error = exc
            await admin.close()
            await asyncio.sleep(1.0)
    raise TimeoutError(f"Kafka at {bootstrap} did not answer within {deadline_s:.0f}s: {last_error}")


async def create_topics(
    bootstrap: str, partitions: int, topics: Sequence[str] = ALL_TOPICS, wait_s: float = 90.0
) -> list[str]:
    """Create missing topics; return the names created now."""
    admin = await wait_for_broker(bootstrap, wait_s)
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in topics if name not in existing]
        created: list[str] = []
        for name in missing:
            try:
                await admin.create_topics([NewTopic(name=name, num_partitions=partitions, replication_factor=1)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass  # another runner created it between list and create
        return created
    finally:
        await admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.kafka_topics", description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default=os.environ.get("BR_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP))
    parser.add_argument("--partitions", type=int, default=int(os.environ.get("BR_KAFKA_PARTITIONS", "6")))
    parser.add_argument("--wait", type=float, default=90.0, help="seconds to wait for the broker")
    args = parser.parse_args(argv)
    if args.partitions < 1:
        parser.error("--partitions must be >= 1")
    try:
        created = asyncio.run(create_topics(args.bootstrap, args.partitions, wait_s=args.wait))
    except (TimeoutError, KafkaError) as exc:
        print(f"kafka_topics: {exc}", file=sys.stderr)
        return 2
    print(f"  kafka topics: created {created}" if created else "  kafka topics: all present")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
