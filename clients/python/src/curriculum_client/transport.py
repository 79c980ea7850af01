"""The Kafka transport on confluent-kafka, with the TypeScript services' delivery contract
(transport/kafka/kafka-bus.ts): every message keyed by runId and partitioned by the Java
murmur2 partitioner (the same partition whoever produces), an idempotent producer with
acks=all, offsets committed only after the handler returned (a crash redelivers), and an
invalid message logged and committed so it never blocks its partition."""

from __future__ import annotations

import logging
import os
from typing import Callable, Iterable, Optional

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from .events import Event, EventError, TOPICS, parse_event

log = logging.getLogger("curriculum_client.transport")


class KafkaTransport:
    def __init__(
        self,
        brokers: str,
        *,
        topic_prefix: str = "",
        client_id: str = "curriculum-python",
        partitions: int = 6,
        session_timeout_ms: int = 6000,
    ) -> None:
        self.brokers = brokers
        self.prefix = topic_prefix
        self.partitions = partitions
        self.client_id = client_id
        self.session_timeout_ms = session_timeout_ms
        self._producer = Producer(
            {
                "bootstrap.servers": brokers,
                "client.id": client_id,
                "enable.idempotence": True,
                "acks": "all",
                # Java-compatible murmur2 (random only for null keys, which we never send).
                "partitioner": "murmur2_random",
            }
        )
        self._admin = AdminClient({"bootstrap.servers": brokers})
        self._known: set[str] = set()

    @classmethod
    def from_env(cls, **overrides: object) -> "KafkaTransport":
        """The same variables as the TypeScript services (CURRICULUM_KAFKA_*)."""
        brokers = os.environ.get("CURRICULUM_KAFKA_BROKERS")
        if not brokers:
            raise RuntimeError("CURRICULUM_KAFKA_BROKERS is not set: start the services (scripts/services.sh start) and eval \"$(scripts/services.sh env)\"")
        kwargs: dict[str, object] = {
            "topic_prefix": os.environ.get("CURRICULUM_KAFKA_TOPIC_PREFIX", ""),
            "partitions": int(os.environ.get("CURRICULUM_KAFKA_PARTITIONS", "6")),
            "session_timeout_ms": int(os.environ.get("CURRICULUM_KAFKA_SESSION_TIMEOUT_MS", "6000")),
        }
        kwargs.update(overrides)
        return cls(brokers, **kwargs)  # type: ignore[arg-type]

    def physical(self, topic: str) -> str:
        return self.prefix + topic

    def ensure_topics(self, topics: Iterable[str]) -> None:
        wanted = [self.physical(t) for t in topics if self.physical(t) not in self._known]
        if not wanted:
            return
        existing = set(self._admin.list_topics(timeout=30).topics)
        missing = [t for t in wanted if t not in existing]
        if missing:
            futures = self._admin.create_topics([NewTopic(t, num_partitions=self.partitions, replication_factor=1) for t in missing])
            for topic, future in futures.items():
                try:
                    future.result(30)
                except KafkaException as e:
                    if e.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                        raise
        self._known.update(wanted)

    def publish(self, events: Iterable[Event]) -> None:
        """Produces and waits until the broker has every event (acks=all)."""
        failures: list[str] = []

        def delivered(err: Optional[KafkaError], _msg: object) -> None:
            if err is not None:
                failures.append(str(err))

        for event in events:
            topic = event.payload.TOPIC
            self.ensure_topics([topic])
            self._producer.produce(self.physical(topic), key=event.runId.encode("utf-8"), value=event.encode(), on_delivery=delivered)
        remaining = self._producer.flush(60)
        if remaining or failures:
            raise RuntimeError(f"publish failed: {failures or f'{remaining} messages undelivered after 60 s'}")

    def publish_raw(self, topic: str, key: str, value: bytes) -> None:
        self.ensure_topics([topic])
        self._producer.produce(self.physical(topic), key=key.encode("utf-8"), value=value)
        self._producer.flush(60)

    def consumer(self, group_id: str, topics: Iterable[str], *, from_beginning: bool = True) -> "CommandConsumer":
        topics = list(topics)
        self.ensure_topics(topics)
        return CommandConsumer(self, group_id, [self.physical(t) for t in topics], from_beginning)

    def close(self) -> None:
        self._producer.flush(30)


class CommandConsumer:
    """A consumer-group member that hands each valid event to a handler and commits its offset
    only after the handler returned."""

    def __init__(self, transport: KafkaTransport, group_id: str, topics: list[str], from_beginning: bool) -> None:
        self._consumer = Consumer(
            {
                "bootstrap.servers": transport.brokers,
                "group.id": transport.prefix + group_id,
                "client.id": transport.client_id,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest" if from_beginning else "latest",
                "session.timeout.ms": transport.session_timeout_ms,
                "heartbeat.interval.ms": min(1000, transport.session_timeout_ms // 3),
                "max.poll.interval.ms": 600000,
            }
        )
        self._consumer.subscribe(topics)
        self._stopped = False

    def poll_once(self, handle: Callable[[Event], None], timeout: float = 0.5) -> bool:
        """Handles at most one message; True if one was read."""
        msg = self._consumer.poll(timeout)
        if msg is None:
            return False
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                log.warning("consumer error: %s", msg.error())
            return False
        try:
            event = parse_event(msg.value() or b"")
        except EventError as e:
            # The controller dead-letters what it rejects; a trainer only needs to skip it.
            log.error("invalid message on %s[%d]@%d skipped: %s", msg.topic(), msg.partition(), msg.offset(), e)
            event = None
        if event is not None:
            handle(event)
        self._consumer.commit(message=msg, asynchronous=False)
        return True

    def run(self, handle: Callable[[Event], None], until: Callable[[], bool] = lambda: False) -> None:
        while not self._stopped and not until():
            self.poll_once(handle)

    def stop(self) -> None:
        self._stopped = True

    def close(self) -> None:
        self._consumer.close()


__all__ = ["KafkaTransport", "CommandConsumer", "TOPICS"]
