"""Python client for the curriculum controller: typed event models (events), the Kafka
transport (transport), the PyTorch trainer adapter (adapter, sampler), the evaluator hook
(evaluator) and the transformers.Trainer integration (hf, needs transformers)."""

from .errors import CurriculumError
from .events import Event, EventError, EventFactory, parse_event
from .partitioning import murmur2, partition_for_key

__all__ = ["CurriculumError", "Event", "EventError", "EventFactory", "parse_event", "murmur2", "partition_for_key"]
