// The key layout of the Redis store. Every key of a run sits under `<prefix>run:{<runId>}`; two
// sets index the runs. The braces keep keys unambiguous whatever a run id contains (the run key
// ends in `}`, each other key in its own word), and are Redis Cluster hash tags should one day
// the per-run keys need a slot of their own. The scripts touch both, so the store needs a standalone Redis (or
// Sentinel), not Redis Cluster.
export interface RunKeys {
  /** hash {snapshot, revision, commitId} */
  run: string;
  /** hash "topic:partition" -> last applied offset */
  offsets: string;
  /** list of event ids, oldest first */
  outbox: string;
  /** hash event id -> event JSON */
  outboxEvents: string;
}

export class KeyLayout {
  constructor(readonly prefix: string) {}

  /** set of every run id ever committed */
  get runIds(): string {
    return `${this.prefix}runs`;
  }

  /** set of run ids whose outbox is not empty */
  get pendingOutbox(): string {
    return `${this.prefix}pending-outbox`;
  }

  forRun(runId: string): RunKeys {
    const base = `${this.prefix}run:{${runId}}`;
    return { run: base, offsets: `${base}:offsets`, outbox: `${base}:outbox`, outboxEvents: `${base}:outbox-events` };
  }
}
