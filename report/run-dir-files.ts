// The run-directory contract: what a finished (or running) run leaves under runs/<runId>/.
// Writers (the runtime) and readers (the report, `curriculum compare`) share these names
// so neither side spells a file name on its own.

export const RUN_DIR_FILES = {
  /** The spec exactly as the user wrote it. */
  specYaml: 'spec.yaml',
  /** ResolvedSpec (schemas/spec.ts): the spec with every default applied. */
  specResolved: 'spec.resolved.json',
  /** One `decision` envelope per line, in decision order. */
  decisions: 'decisions.jsonl',
  /** `trainer.metrics` and `evaluation.results` envelopes, one per line, in arrival order. */
  metrics: 'metrics.jsonl',
  /** One `lesson.start` envelope per line: the sampling weights over time. */
  lessons: 'lessons.jsonl',
  /** RunSummary (report/run-summary.ts), written when the run ends. */
  summary: 'summary.json',
  /** runId, the spec file it came from (relative data paths resolve against its folder) and the start time. */
  runInfo: 'run.json',
  /** The self-contained HTML report (report/render-report.ts). */
  report: 'report.html',
  /** Checkpoint directory and controller snapshot: owned by the runtime, not read here. */
  checkpoints: 'checkpoints',
  snapshot: 'snapshot.json',
} as const;

export type RunDirFile = keyof typeof RUN_DIR_FILES;
