"""Keys map to the partitions the TypeScript services' producer (kafkajs's Java-compatible
murmur2 DefaultPartitioner) picks, computed by kafkajs itself on the same keys."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from curriculum_client.partitioning import murmur2, partition_for_key

ROOT = Path(__file__).resolve().parents[3]
KEYS = ["", "a", "ab", "abc", "abcd", "run-1", "reference", "spam-easy-to-hard-20261204", "ünïcødé-ключ", "x" * 257]


def kafkajs_partitions(keys: list[str], counts: list[int]) -> list[list[int]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to compare with kafkajs (the project's own runtime)")
    script = (
        "const m=require('kafkajs/src/producer/partitioners/default/murmur2');"
        "const [keys,counts]=JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(keys.map(k=>counts.map(n=>(m(k)&0x7fffffff)%n))));"
    )
    # kafkajs's DefaultPartitioner is exactly toPositive(murmur2(key)) % partitions for a keyed message.
    out = subprocess.run([node, "-e", script, json.dumps([keys, counts])], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_partitions_equal_kafkajs_on_fixed_keys() -> None:
    counts = [1, 2, 3, 6, 7, 32]
    expected = kafkajs_partitions(KEYS, counts)
    assert [[partition_for_key(k, n) for n in counts] for k in KEYS] == expected


def test_known_java_values() -> None:
    # Values of org.apache.kafka.common.utils.Utils.murmur2 (as a signed int in Java).
    signed = lambda h: h - (1 << 32) if h >= 1 << 31 else h  # noqa: E731
    assert signed(murmur2(b"21")) == -973932308
    assert signed(murmur2(b"foobar")) == -790332482
    assert signed(murmur2(b"a-little-bit-long-string")) == -985981536


def test_kafkajs_default_partitioner_is_the_murmur2_one() -> None:
    script = "const {Partitioners}=require('kafkajs');const p=Partitioners.DefaultPartitioner();console.log(p({topic:'t',partitionMetadata:[0,1,2,3,4,5].map(i=>({partitionId:i,leader:0})),message:{key:'run-1'}}))"
    out = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == partition_for_key("run-1", 6)
