// Reading a consumer group's committed offsets. The controller refuses to start against an
// empty state store while its group has committed offsets: that combination means the store
// was wiped (or points at the wrong Redis), and consuming on would silently start runs afresh.
import type { Admin } from 'kafkajs';

/** A committed position: `offset` is the next offset the group will read (Kafka's convention). */
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** How long a retriable broker answer (coordinator loading after a restart, say) is retried. */
const RETRY_FOR_MS = 60_000;

function isRetriable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'retriable' in e && e.retriable === true;
}

/** Committed offsets of `groupId` on `topics` (broker names); partitions without a commit are left out. */
export async function fetchCommittedOffsets(admin: Admin, groupId: string, topics: readonly string[]): Promise<CommittedOffset[]> {
  // fetchOffsets asks for each topic's partitions first and fails on a topic that does not exist.
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  if (present.length === 0) return [];
  const deadline = Date.now() + RETRY_FOR_MS;
  let delay = 200;
  for (;;) {
    try {
      const result = await admin.fetchOffsets({ groupId, topics: present });
      return result.flatMap(({ topic, partitions }) =>
        partitions
          .filter((p) => /^\d+$/.test(p.offset)) // '-1' = no commit
          .map((p) => ({ topic, partition: p.partition, offset: p.offset })),
      );
    } catch (e) {
      // Right after a broker restart the group coordinator answers COORDINATOR_LOAD_IN_PROGRESS
      // (retriable) until it has read the offsets topic; kafkajs's admin does not retry it.
      if (!isRetriable(e) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}
