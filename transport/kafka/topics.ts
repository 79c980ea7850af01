// Topic creation. Kept apart from the bus so deployment tooling (a CLI `topics create`, Helm
// hooks) can create topics without starting a producer.
import type { Admin } from 'kafkajs';

/** How long to wait for a just-created topic's metadata to show its leaders. */
const METADATA_WAIT_MS = 30_000;

function errorType(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'type' in e && typeof e.type === 'string' ? e.type : undefined;
}

/**
 * Creates the topics that do not exist yet, with `partitions` partitions each, and waits for
 * their leaders. Safe to race with another process creating the same topics.
 */
export async function ensureTopicsExist(admin: Admin, topics: readonly string[], partitions: number, replicationFactor: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  try {
    // createTopics answers false (not an error) for topics another process created meanwhile.
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
    });
  } catch (e) {
    // With KRaft a broker's metadata can lag a topic's creation for a moment (seen on a loaded
    // machine): kafkajs's leader wait retries LEADER_NOT_AVAILABLE but gives up on
    // UNKNOWN_TOPIC_OR_PARTITION. The topics were created; wait for their metadata instead.
    if (errorType(e) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw e;
    await waitForLeaders(admin, missing);
  }
  return missing;
}

async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + METADATA_WAIT_MS;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (e) {
      const type = errorType(e);
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw e;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${METADATA_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
