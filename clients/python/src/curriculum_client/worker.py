"""`python -m curriculum_client.worker --role trainer|evaluator`: a trainer or evaluator service
for runs whose tasks are jsonl files and whose model is an mlp, on Kafka (CURRICULUM_KAFKA_*)
with checkpoints under CURRICULUM_CHECKPOINT_ROOT. SIGTERM stops it after the current command."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from .adapter import TrainerAdapter
from .evaluator import Evaluator
from .events import TOPICS, EventFactory
from .jsonl import MlpLoop, load_jsonl_tasks
from .transport import KafkaTransport


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="curriculum_client.worker")
    parser.add_argument("--role", choices=["trainer", "evaluator"], required=True)
    parser.add_argument("--group", help="consumer group (default curriculum-<role>; the topic prefix is prepended)")
    parser.add_argument("--producer", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("CURRICULUM_LOG_LEVEL", "info").upper(), stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    root = os.environ.get("CURRICULUM_CHECKPOINT_ROOT")
    if not root:
        print("CURRICULUM_CHECKPOINT_ROOT is not set", file=sys.stderr)
        return 2
    transport = KafkaTransport.from_env(client_id=f"python-{args.role}")
    events = EventFactory(args.producer or f"python-{args.role}-{os.getpid()}")
    loop = MlpLoop()
    if args.role == "trainer":
        service = TrainerAdapter(loop, lambda run: load_jsonl_tasks(run).training(), checkpoint_root=root, emit=transport.publish, events=events)
    else:
        service = Evaluator(loop, lambda run: load_jsonl_tasks(run).suites(), checkpoint_root=root, emit=transport.publish, events=events)
    consumer = transport.consumer(args.group or f"curriculum-{args.role}", [TOPICS["commands"]])
    signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
    logging.getLogger("curriculum_client").info("python %s started (pid %d)", args.role, os.getpid())
    try:
        consumer.run(service.handle)
    finally:
        consumer.close()
        transport.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
