// Writes what a run produces into its directory as it happens: the decision log, the metrics
// history and the lessons (sampling weights over time). It is just another consumer group on
// the bus, so it sees exactly what a distributed deployment would see on its topics.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventBus, Subscription } from '../transport/bus.ts';
import { TOPICS } from '../schemas/topics.ts';
import type { AnyEvent, EnvelopeOf } from '../schemas/events.ts';

import { RUN_DIR_FILES } from '../report/run-dir-files.ts';

/** The run-directory contract (report/run-dir-files.ts) plus what only the embedded runtime writes. */
/** The run-directory contract; run.json (runInfo) is what --resume needs. */
export const RUN_FILES = RUN_DIR_FILES;

export interface RecorderListener {
  (event: AnyEvent): void;
}

export interface RecorderOptions {
  /** The consumer group (default `curriculum-recorder-<runId>`); a fresh one reads every retained event. */
  groupId?: string;
  /** Also read the control topic, so the listener sees `run.start` (the spec) and operator commands. */
  withControl?: boolean;
}

export class RunRecorder {
  private subscription: Subscription | undefined;
  private readonly seen = new Set<string>();

  constructor(
    private readonly bus: EventBus,
    private readonly runDir: string,
    private readonly runId: string,
    private readonly listener?: RecorderListener,
    private readonly options: RecorderOptions = {},
  ) {
    // On resume the files already hold the first part of the run: never write an event twice.
    for (const file of [RUN_FILES.decisions, RUN_FILES.metrics, RUN_FILES.lessons]) {
      const path = join(runDir, file);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (line.trim()) this.seen.add((JSON.parse(line) as { eventId: string }).eventId);
      }
    }
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      groupId: this.groupId,
      topics: this.topics,
      handle: async ({ event }) => {
        if (event.runId !== this.runId) return;
        this.listener?.(event);
        const file = fileFor(event);
        if (!file || this.seen.has(event.eventId)) return;
        this.seen.add(event.eventId);
        appendFileSync(join(this.runDir, file), `${JSON.stringify(event)}\n`);
      },
    });
  }

  get groupId(): string {
    return this.options.groupId ?? `curriculum-recorder-${this.runId}`;
  }

  get topics(): string[] {
    // Checkpoints too: the listener derives the trainer's lesson counter from them (no file).
    const topics: string[] = [TOPICS.decisions, TOPICS.trainerMetrics, TOPICS.checkpoints, TOPICS.evaluatorResults, TOPICS.commands, TOPICS.serviceEvents];
    return this.options.withControl ? [...topics, TOPICS.control] : topics;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}

function fileFor(event: AnyEvent): string | undefined {
  switch (event.type) {
    case 'decision':
      return RUN_FILES.decisions;
    case 'trainer.metrics':
    case 'evaluation.results':
      return RUN_FILES.metrics;
    case 'lesson.start':
      return RUN_FILES.lessons;
    default:
      return undefined;
  }
}

export function readDecisions(runDir: string): Array<EnvelopeOf<'decision'>> {
  const path = join(runDir, RUN_FILES.decisions);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EnvelopeOf<'decision'>);
}
