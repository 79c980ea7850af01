// Topic creation. Kept apart from the bus so deployment tooling (a CLI `topics create`, Helm
// hooks) can create topics without starting a producer.
import type { Admin } from 'kafkajs';

/**
 * Creates the topics that do not exist yet, with `partitions` partitions each, and waits for
 * their leaders. Safe to race with another process creating the same topics.
 */
export async function ensureTopicsExist(admin: Admin, topics: readonly string[], partitions: number, replicationFactor: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  // createTopics answers false (not an error) for topics another process created meanwhile.
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
  });
  return missing;
}
