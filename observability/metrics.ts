// The metrics catalogue: one function per service registers that service's metrics on a given
// registry and returns typed handles. Every name, help text and label set lives here, so the
// dashboard lint, the alert rules and docs/operations.md can be checked against one source.
//
// Conventions (https://prometheus.io/docs/practices/naming/):
// - every name starts with `curriculum_`; counters end in `_total`; base units (seconds, ratio 0..1);
// - labels are bounded: `run_id` appears only on per-run gauges, which are removed by `removeRun`
//   when a run ends, so a long-lived controller does not accumulate series of finished runs;
// - free-form values (reason codes, error codes, topics) pass through `boundedLabel`, which maps
//   anything that does not look like a stable code to `other`.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'curriculum_';

export type ServiceName = 'controller' | 'trainer' | 'evaluator';

/** Run states in which no step progress is expected (the stall alert ignores them): the terminal ones and these. */
export { TERMINAL_RUN_STATES } from '../schemas/common.ts';
export const IDLE_RUN_STATES = ['paused'] as const;

/** Outcomes of one consumed event at the controller (see ARCHITECTURE.md, distributed mode). */
export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'invalid';
export const EVENT_OUTCOMES: readonly EventOutcome[] = ['applied', 'duplicate', 'stale', 'invalid'];

/**
 * Families only a distributed (Kafka) deployment can move: an embedded run has no consumer group
 * (no committed offsets, no lag) and no kafkajs consumer to crash. The dashboard's panels on them
 * say so, and the live embedded scrape test leaves them out.
 */
export const KAFKA_ONLY_METRICS: readonly string[] = ['curriculum_consumer_lag_messages', 'curriculum_consumer_crashes_total', 'curriculum_consumer_dead_letters_total'];

/**
 * Labelled counters of things a healthy run may never do (a revert, an early stop, a service
 * error): a labelled Prometheus counter has no series before its first increment, so a live
 * scrape of such a run declares them (# TYPE) without a sample.
 */
export const ON_OCCURRENCE_METRICS: readonly string[] = [
  'curriculum_reverts_total',
  'curriculum_early_stops_total',
  'curriculum_reviews_total',
  'curriculum_rejections_total',
  'curriculum_feedback_total',
  'curriculum_dlq_messages_total',
  'curriculum_trainer_errors_total',
  'curriculum_evaluator_errors_total',
];

export type FeedbackOutcome = 'accepted' | 'duplicate' | 'invalid';

const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$/;

/** Keeps label cardinality bounded: stable codes pass, anything else becomes `other`. */
export function boundedLabel(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') return 'none';
  return LABEL_RE.test(value) ? value : 'other';
}

// Buckets in seconds. Decisions are pure transitions plus one store write: milliseconds.
const DECISION_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SNAPSHOT_WRITE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
// Evaluations and lessons run for seconds to many minutes.
const LONG_TASK_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * Remembers which per-run series exist so that they can be removed together when a run ends.
 * prom-client removes series only by their exact label set, so we keep those label sets.
 */
class RunSeriesTracker {
  // runId -> gauge -> serialized label set -> removal
  readonly #byRun = new Map<string, Map<object, Map<string, () => void>>>();

  track<L extends string>(runId: string, gauge: Gauge<L>, labels: Record<L, string>): void {
    let byGauge = this.#byRun.get(runId);
    if (byGauge === undefined) {
      byGauge = new Map();
      this.#byRun.set(runId, byGauge);
    }
    let series = byGauge.get(gauge);
    if (series === undefined) {
      series = new Map();
      byGauge.set(gauge, series);
    }
    const key = JSON.stringify(labels);
    if (!series.has(key)) series.set(key, () => gauge.remove(labels));
  }

  /** Removes the run's series of one gauge (used before setting a new stage or state). */
  removeFrom<L extends string>(runId: string, gauge: Gauge<L>): void {
    const series = this.#byRun.get(runId)?.get(gauge);
    if (series === undefined) return;
    for (const remove of series.values()) remove();
    series.clear();
  }

  removeRun(runId: string): void {
    const byGauge = this.#byRun.get(runId);
    if (byGauge === undefined) return;
    for (const series of byGauge.values()) for (const remove of series.values()) remove();
    this.#byRun.delete(runId);
  }
}

export interface BuildInfo {
  version: string;
}

function registerBuildInfo(registry: Registry, service: ServiceName, info: BuildInfo): Gauge<'service' | 'version' | 'node_version'> {
  // The embedded run serves all three services from one registry: they share this gauge.
  const existing = registry.getSingleMetric('curriculum_build_info') as Gauge<'service' | 'version' | 'node_version'> | undefined;
  const g = existing ?? new Gauge({
    name: 'curriculum_build_info',
    help: 'Build metadata of the service; the value is always 1.',
    labelNames: ['service', 'version', 'node_version'] as const,
    registers: [registry],
  });
  g.set({ service, version: info.version, node_version: process.versions.node }, 1);
  return g;
}

/** What every service records about its Kafka consumers. */
export interface ConsumerCrashMetrics {
  readonly consumerCrashes: Counter<'group' | 'restarted_by'>;
  /** A consumer of `group` crashed; `restartedBy` says who restarts it (transport/kafka/supervised-consumer.ts). */
  recordConsumerCrash(group: string, restartedBy: 'kafkajs' | 'bus'): void;
}

function registerConsumerCrashes(registry: Registry): Counter<'group' | 'restarted_by'> {
  // Shared like build_info: the embedded run serves all three services from one registry.
  const existing = registry.getSingleMetric('curriculum_consumer_crashes_total') as Counter<'group' | 'restarted_by'> | undefined;
  return existing ?? new Counter({
    name: 'curriculum_consumer_crashes_total',
    help: 'Crashes of the service\'s Kafka consumers, by consumer group and by who restarted the consumer: kafkajs, or the bus when kafkajs gave up on it.',
    labelNames: ['group', 'restarted_by'] as const,
    registers: [registry],
  });
}

function recordConsumerCrashOn(counter: Counter<'group' | 'restarted_by'>): ConsumerCrashMetrics['recordConsumerCrash'] {
  return (group, restartedBy) => counter.inc({ group: boundedLabel(group), restarted_by: restartedBy });
}

/** What every service records about the poison messages its Kafka consumers dead-letter. */
export interface ConsumerDeadLetterMetrics {
  readonly consumerDeadLetters: Counter<'group' | 'written'>;
  /** A consumer of `group` dead-lettered a message; `written` false: the broker refused the dead letter, the message was skipped. */
  recordConsumerDeadLetter(group: string, written: boolean): void;
}

function registerConsumerDeadLetters(registry: Registry): ConsumerDeadLetterMetrics {
  const name = 'curriculum_consumer_dead_letters_total';
  const counter =
    (registry.getSingleMetric(name) as Counter<'group' | 'written'> | undefined) ??
    new Counter({
      name,
      help: 'Messages the service\'s Kafka consumers could not decode, by consumer group and by whether their dead letter was written (false: the broker refused it too; the message was logged and skipped).',
      labelNames: ['group', 'written'] as const,
      registers: [registry],
    });
  return { consumerDeadLetters: counter, recordConsumerDeadLetter: (group, written) => counter.inc({ group: boundedLabel(group), written: String(written) }) };
}

/**
 * Registers the Node.js process metrics (CPU, memory, event loop lag, GC) with the project prefix.
 * Call it once per registry; the test exposition of each service includes them.
 */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX, eventLoopMonitoringPrecision: 20 });
  // prom-client also exports `nodejs_active_{handles,requests,resources}_total` as gauges, which
  // breaks the `_total`-means-counter convention (promtool flags them). The same values are
  // exported without the suffix (`curriculum_nodejs_active_handles` ...), so drop the misnamed ones.
  for (const kind of ['handles', 'requests', 'resources']) {
    registry.removeSingleMetric(`${METRIC_PREFIX}nodejs_active_${kind}_total`);
  }
}

// ---------------------------------------------------------------- controller

export interface DecisionLike {
  kind: string;
  reasons: readonly { code: string; holds?: boolean }[];
}

export interface ControllerMetrics extends ConsumerCrashMetrics, ConsumerDeadLetterMetrics {
  readonly runStage: Gauge<'run_id' | 'stage'>;
  readonly runState: Gauge<'run_id' | 'state'>;
  readonly runStep: Gauge<'run_id'>;
  readonly runReverts: Gauge<'run_id'>;
  readonly heldoutAccuracy: Gauge<'run_id' | 'task'>;
  readonly forgetting: Gauge<'run_id'>;
  readonly backwardTransfer: Gauge<'run_id'>;
  readonly samplingWeight: Gauge<'run_id' | 'task'>;
  readonly decisions: Counter<'kind' | 'reason'>;
  readonly reviews: Counter<'kind'>;
  readonly reverts: Counter<'reason'>;
  readonly earlyStops: Counter<'reason'>;
  readonly retrainingCycles: Counter;
  readonly promotions: Counter;
  readonly rejections: Counter<'reason'>;
  readonly eventsProcessed: Counter<'topic' | 'outcome'>;
  readonly deadLetters: Counter<'topic' | 'code'>;
  readonly feedback: Counter<'severity' | 'outcome'>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly decisionLatency: Histogram;
  readonly snapshotWriteDuration: Histogram;
  readonly buildInfo: Gauge<'service' | 'version' | 'node_version'>;

  /** Sets the run's current stage; the previous stage series of the run is removed. */
  setRunStage(runId: string, stage: string, index: number): void;
  /** Sets the run's statechart state (value 1 on the current state only). */
  setRunState(runId: string, state: string): void;
  setRunStep(runId: string, step: number): void;
  /** Counts a decision by kind and primary reason code, and the kind-specific counters. */
  recordDecision(runId: string, decision: DecisionLike): void;
  setHeldoutAccuracy(runId: string, task: string, accuracy: number): void;
  setForgetting(runId: string, forgetting: number): void;
  setBackwardTransfer(runId: string, value: number): void;
  /** Replaces the run's sampling weights (tasks no longer sampled disappear). */
  setSamplingWeights(runId: string, weights: Readonly<Record<string, number>>): void;
  recordEvent(topic: string, outcome: EventOutcome): void;
  recordDeadLetter(topic: string, code: string): void;
  recordFeedback(severity: string, outcome: FeedbackOutcome): void;
  setConsumerLag(topic: string, partition: number, lag: number): void;
  observeDecisionLatency(seconds: number): void;
  observeSnapshotWrite(seconds: number): void;
  /** Removes every per-run series of the run; call it when the run is terminal and reported. */
  removeRun(runId: string): void;
}

/** The primary reason of a decision: the first reason that held, else the first one. */
export function primaryReason(decision: DecisionLike): string {
  const held = decision.reasons.find((r) => r.holds !== false);
  return boundedLabel((held ?? decision.reasons[0])?.code);
}

export function createControllerMetrics(registry: Registry, info: BuildInfo = { version: 'dev' }): ControllerMetrics {
  const registers = [registry];
  const runs = new RunSeriesTracker();
  const revertsInitialised = new Set<string>();

  const runStage = new Gauge({
    name: 'curriculum_run_stage',
    help: 'Current curriculum stage of a run: the value is the stage index (0-based), the stage label its id.',
    labelNames: ['run_id', 'stage'] as const,
    registers,
  });
  const runState = new Gauge({
    name: 'curriculum_run_state',
    help: 'Current statechart state of a run: 1 on the series whose state label is current.',
    labelNames: ['run_id', 'state'] as const,
    registers,
  });
  const runStep = new Gauge({
    name: 'curriculum_run_step',
    help: 'Latest training step the controller has seen for a run (logical time).',
    labelNames: ['run_id'] as const,
    registers,
  });
  const runReverts = new Gauge({
    name: 'curriculum_run_reverts',
    help: 'Number of checkpoint reverts decided in a run so far (per-run; removed when the run ends).',
    labelNames: ['run_id'] as const,
    registers,
  });
  const heldoutAccuracy = new Gauge({
    name: 'curriculum_heldout_accuracy_ratio',
    help: 'Latest held-out accuracy of a run per task, 0..1.',
    labelNames: ['run_id', 'task'] as const,
    registers,
  });
  const forgetting = new Gauge({
    name: 'curriculum_forgetting_ratio',
    help: 'Average forgetting of a run: mean drop from the best to the latest accuracy over earlier tasks, 0..1.',
    labelNames: ['run_id'] as const,
    registers,
  });
  const backwardTransfer = new Gauge({
    name: 'curriculum_backward_transfer_ratio',
    help: 'Backward transfer of a run: mean change in accuracy on earlier tasks since they were learned, -1..1.',
    labelNames: ['run_id'] as const,
    registers,
  });
  const samplingWeight = new Gauge({
    name: 'curriculum_sampling_weight_ratio',
    help: 'Current sampling weight of a task in a run, 0..1 (weights of a run sum to 1).',
    labelNames: ['run_id', 'task'] as const,
    registers,
  });
  const decisions = new Counter({
    name: 'curriculum_decisions_total',
    help: 'Controller decisions by kind and primary reason code.',
    labelNames: ['kind', 'reason'] as const,
    registers,
  });
  const reviews = new Counter({
    name: 'curriculum_reviews_total',
    help: 'Review passes scheduled (kind = review or regression-review).',
    labelNames: ['kind'] as const,
    registers,
  });
  const reverts = new Counter({
    name: 'curriculum_reverts_total',
    help: 'Checkpoint reverts decided, by reason code.',
    labelNames: ['reason'] as const,
    registers,
  });
  const earlyStops = new Counter({
    name: 'curriculum_early_stops_total',
    help: 'Runs stopped early (early stopping or budget exhausted), by reason code.',
    labelNames: ['reason'] as const,
    registers,
  });
  const retrainingCycles = new Counter({
    name: 'curriculum_retraining_cycles_total',
    help: 'Continual-learning retraining cycles started from production feedback.',
    registers,
  });
  const promotions = new Counter({
    name: 'curriculum_promotions_total',
    help: 'Retrained models promoted after passing the promotion gates.',
    registers,
  });
  const rejections = new Counter({
    name: 'curriculum_rejections_total',
    help: 'Retrained models rejected by the promotion gates, by reason code.',
    labelNames: ['reason'] as const,
    registers,
  });
  const eventsProcessed = new Counter({
    name: 'curriculum_events_processed_total',
    help: 'Events consumed by the controller by topic and outcome (applied, duplicate, stale, invalid).',
    labelNames: ['topic', 'outcome'] as const,
    registers,
  });
  const deadLetters = new Counter({
    name: 'curriculum_dlq_messages_total',
    help: 'Messages sent to a dead-letter topic, by source topic and error code.',
    labelNames: ['topic', 'code'] as const,
    registers,
  });
  const consumerCrashes = registerConsumerCrashes(registry);
  const feedback = new Counter({
    name: 'curriculum_feedback_total',
    help: 'Production feedback rows received, by severity and outcome (accepted, duplicate, invalid).',
    labelNames: ['severity', 'outcome'] as const,
    registers,
  });
  const consumerLag = new Gauge({
    name: 'curriculum_consumer_lag_messages',
    help: 'Messages between the committed offset and the log end, by topic and partition.',
    labelNames: ['topic', 'partition'] as const,
    registers,
  });
  const decisionLatency = new Histogram({
    name: 'curriculum_decision_latency_seconds',
    help: 'Time from receiving an event to its decision being durably stored, in seconds.',
    buckets: DECISION_LATENCY_BUCKETS,
    registers,
  });
  const snapshotWriteDuration = new Histogram({
    name: 'curriculum_snapshot_write_duration_seconds',
    help: 'Duration of the atomic snapshot + offset + outbox write, in seconds.',
    buckets: SNAPSHOT_WRITE_BUCKETS,
    registers,
  });
  const buildInfo = registerBuildInfo(registry, 'controller', info);

  return {
    runStage,
    runState,
    runStep,
    runReverts,
    heldoutAccuracy,
    forgetting,
    backwardTransfer,
    samplingWeight,
    decisions,
    reviews,
    reverts,
    earlyStops,
    retrainingCycles,
    promotions,
    rejections,
    eventsProcessed,
    deadLetters,
    consumerCrashes,
    feedback,
    consumerLag,
    decisionLatency,
    snapshotWriteDuration,
    buildInfo,

    setRunStage(runId, stage, index) {
      runs.removeFrom(runId, runStage);
      const labels = { run_id: runId, stage };
      runStage.set(labels, index);
      runs.track(runId, runStage, labels);
    },
    setRunState(runId, state) {
      // Start the per-run revert count at 0, so the revert-loop alert's max-min window counts
      // the first revert as well.
      if (!revertsInitialised.has(runId)) {
        revertsInitialised.add(runId);
        runReverts.set({ run_id: runId }, 0);
        runs.track(runId, runReverts, { run_id: runId });
      }
      runs.removeFrom(runId, runState);
      const labels = { run_id: runId, state: boundedLabel(state) };
      runState.set(labels, 1);
      runs.track(runId, runState, labels);
    },
    setRunStep(runId, step) {
      runStep.set({ run_id: runId }, step);
      runs.track(runId, runStep, { run_id: runId });
    },
    recordDecision(runId, decision) {
      const kind = boundedLabel(decision.kind);
      const reason = primaryReason(decision);
      decisions.inc({ kind, reason });
      switch (decision.kind) {
        case 'review':
        case 'regression-review':
          reviews.inc({ kind });
          break;
        case 'revert':
          reverts.inc({ reason });
          runReverts.inc({ run_id: runId });
          runs.track(runId, runReverts, { run_id: runId });
          break;
        case 'early-stop':
        case 'budget-exhausted':
          earlyStops.inc({ reason });
          break;
        case 'retrain':
          retrainingCycles.inc();
          break;
        case 'promote':
          promotions.inc();
          break;
        case 'reject': {
          // A rejection is explained by the promotion gate that failed, not by one that held.
          const failed = decision.reasons.find((r) => r.holds === false);
          rejections.inc({ reason: failed ? boundedLabel(failed.code) : reason });
          break;
        }
        default:
          break;
      }
    },
    setHeldoutAccuracy(runId, task, accuracy) {
      const labels = { run_id: runId, task };
      heldoutAccuracy.set(labels, accuracy);
      runs.track(runId, heldoutAccuracy, labels);
    },
    setForgetting(runId, value) {
      forgetting.set({ run_id: runId }, value);
      runs.track(runId, forgetting, { run_id: runId });
    },
    setBackwardTransfer(runId, value) {
      backwardTransfer.set({ run_id: runId }, value);
      runs.track(runId, backwardTransfer, { run_id: runId });
    },
    setSamplingWeights(runId, weights) {
      runs.removeFrom(runId, samplingWeight);
      for (const [task, w] of Object.entries(weights)) {
        const labels = { run_id: runId, task };
        samplingWeight.set(labels, w);
        runs.track(runId, samplingWeight, labels);
      }
    },
    recordEvent(topic, outcome) {
      eventsProcessed.inc({ topic: boundedLabel(topic), outcome });
    },
    recordDeadLetter(topic, code) {
      deadLetters.inc({ topic: boundedLabel(topic), code: boundedLabel(code) });
    },
    recordConsumerCrash: recordConsumerCrashOn(consumerCrashes),
    ...registerConsumerDeadLetters(registry),
    recordFeedback(severity, outcome) {
      feedback.inc({ severity: boundedLabel(severity), outcome });
    },
    setConsumerLag(topic, partition, lag) {
      consumerLag.set({ topic: boundedLabel(topic), partition: String(partition) }, lag);
    },
    observeDecisionLatency(seconds) {
      decisionLatency.observe(seconds);
    },
    observeSnapshotWrite(seconds) {
      snapshotWriteDuration.observe(seconds);
    },
    removeRun(runId) {
      runs.removeRun(runId);
      revertsInitialised.delete(runId);
    },
  };
}

// ---------------------------------------------------------------- trainer

export type LessonOutcome = 'completed' | 'failed' | 'duplicate';

export interface TrainerMetrics extends ConsumerCrashMetrics, ConsumerDeadLetterMetrics {
  readonly loss: Gauge<'run_id'>;
  readonly learningRate: Gauge<'run_id'>;
  readonly samplesPerSecond: Gauge<'run_id'>;
  readonly step: Gauge<'run_id'>;
  readonly backendInfo: Gauge<'backend' | 'device' | 'version'>;
  readonly lessons: Counter<'outcome'>;
  readonly errors: Counter<'code'>;
  readonly lessonDuration: Histogram;
  readonly buildInfo: Gauge<'service' | 'version' | 'node_version'>;

  /** One training report for a run (the values the trainer publishes every k steps). */
  report(runId: string, values: { step: number; loss: number; learningRate: number; samplesPerSecond: number }): void;
  /** Sets the TensorFlow.js backend in use (e.g. tensorflow, wasm, cpu), its device and its version. */
  setBackend(backend: string, version: string, device?: string): void;
  recordLesson(outcome: LessonOutcome, durationSeconds?: number): void;
  recordError(code: string): void;
  removeRun(runId: string): void;
}

export function createTrainerMetrics(registry: Registry, info: BuildInfo = { version: 'dev' }): TrainerMetrics {
  const registers = [registry];
  const runs = new RunSeriesTracker();
  const loss = new Gauge({
    name: 'curriculum_trainer_loss',
    help: 'Latest training loss of a run (mean over the last reporting window).',
    labelNames: ['run_id'] as const,
    registers,
  });
  const learningRate = new Gauge({
    name: 'curriculum_trainer_learning_rate',
    help: 'Current learning rate of a run, from its schedule.',
    labelNames: ['run_id'] as const,
    registers,
  });
  const samplesPerSecond = new Gauge({
    name: 'curriculum_trainer_samples_per_second',
    help: 'Training throughput of a run over the last reporting window, in samples per second.',
    labelNames: ['run_id'] as const,
    registers,
  });
  const step = new Gauge({
    name: 'curriculum_trainer_step',
    help: 'Latest completed training step of a run.',
    labelNames: ['run_id'] as const,
    registers,
  });
  const backendInfo = new Gauge({
    name: 'curriculum_trainer_backend_info',
    help: 'TensorFlow.js backend the trainer runs on and its device (GPU:0 ..., CPU ...); the value is always 1.',
    labelNames: ['backend', 'device', 'version'] as const,
    registers,
  });
  const lessons = new Counter({
    name: 'curriculum_trainer_lessons_total',
    help: 'Lessons handled by the trainer, by outcome (completed, failed, duplicate).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'curriculum_trainer_errors_total',
    help: 'Trainer errors by error code from the catalogue.',
    labelNames: ['code'] as const,
    registers,
  });
  const lessonDuration = new Histogram({
    name: 'curriculum_trainer_lesson_duration_seconds',
    help: 'Wall-clock duration of a lesson, in seconds.',
    buckets: LONG_TASK_BUCKETS,
    registers,
  });
  const buildInfo = registerBuildInfo(registry, 'trainer', info);
  const consumerCrashes = registerConsumerCrashes(registry);

  return {
    consumerCrashes,
    recordConsumerCrash: recordConsumerCrashOn(consumerCrashes),
    ...registerConsumerDeadLetters(registry),
    loss,
    learningRate,
    samplesPerSecond,
    step,
    backendInfo,
    lessons,
    errors,
    lessonDuration,
    buildInfo,
    report(runId, v) {
      const labels = { run_id: runId };
      step.set(labels, v.step);
      loss.set(labels, v.loss);
      learningRate.set(labels, v.learningRate);
      samplesPerSecond.set(labels, v.samplesPerSecond);
      for (const g of [step, loss, learningRate, samplesPerSecond]) runs.track(runId, g, labels);
    },
    setBackend(backend, version, device = '') {
      backendInfo.reset();
      // The device is one of the few strings trainer/backend.ts writes (not input): kept readable.
      backendInfo.set({ backend: boundedLabel(backend), device: device.slice(0, 80) || 'none', version: boundedLabel(version) }, 1);
    },
    recordLesson(outcome, durationSeconds) {
      lessons.inc({ outcome });
      if (durationSeconds !== undefined) lessonDuration.observe(durationSeconds);
    },
    recordError(code) {
      errors.inc({ code: boundedLabel(code) });
    },
    removeRun(runId) {
      runs.removeRun(runId);
    },
  };
}

// ---------------------------------------------------------------- evaluator

export type EvaluationOutcome = 'completed' | 'failed' | 'duplicate';

export interface EvaluatorMetrics extends ConsumerCrashMetrics, ConsumerDeadLetterMetrics {
  readonly duration: Histogram<'suite'>;
  readonly accuracy: Gauge<'run_id' | 'suite' | 'task'>;
  readonly evaluations: Counter<'suite' | 'outcome'>;
  readonly errors: Counter<'code'>;
  readonly buildInfo: Gauge<'service' | 'version' | 'node_version'>;

  observeEvaluation(suite: string, seconds: number, outcome?: EvaluationOutcome): void;
  setAccuracy(runId: string, suite: string, task: string, accuracy: number): void;
  recordError(code: string): void;
  removeRun(runId: string): void;
}

export function createEvaluatorMetrics(registry: Registry, info: BuildInfo = { version: 'dev' }): EvaluatorMetrics {
  const registers = [registry];
  const runs = new RunSeriesTracker();
  const duration = new Histogram({
    name: 'curriculum_evaluation_duration_seconds',
    help: 'Duration of one suite evaluation of a checkpoint, in seconds.',
    labelNames: ['suite'] as const,
    buckets: LONG_TASK_BUCKETS,
    registers,
  });
  const accuracy = new Gauge({
    name: 'curriculum_evaluation_accuracy_ratio',
    help: 'Latest accuracy of a run by evaluation suite and task, 0..1.',
    labelNames: ['run_id', 'suite', 'task'] as const,
    registers,
  });
  const evaluations = new Counter({
    name: 'curriculum_evaluations_total',
    help: 'Suite evaluations by suite and outcome (completed, failed, duplicate).',
    labelNames: ['suite', 'outcome'] as const,
    registers,
  });
  const errors = new Counter({
    name: 'curriculum_evaluator_errors_total',
    help: 'Evaluator errors by error code from the catalogue.',
    labelNames: ['code'] as const,
    registers,
  });
  const buildInfo = registerBuildInfo(registry, 'evaluator', info);
  const consumerCrashes = registerConsumerCrashes(registry);
  return {
    consumerCrashes,
    recordConsumerCrash: recordConsumerCrashOn(consumerCrashes),
    ...registerConsumerDeadLetters(registry),
    duration,
    accuracy,
    evaluations,
    errors,
    buildInfo,
    observeEvaluation(suite, seconds, outcome = 'completed') {
      const s = boundedLabel(suite);
      evaluations.inc({ suite: s, outcome });
      if (outcome === 'completed') duration.observe({ suite: s }, seconds);
    },
    setAccuracy(runId, suite, task, value) {
      const labels = { run_id: runId, suite: boundedLabel(suite), task };
      accuracy.set(labels, value);
      runs.track(runId, accuracy, labels);
    },
    recordError(code) {
      errors.inc({ code: boundedLabel(code) });
    },
    removeRun(runId) {
      runs.removeRun(runId);
    },
  };
}

// ---------------------------------------------------------------- catalogue

export interface MetricDescription {
  service: ServiceName;
  name: string;
  type: string;
  help: string;
  labels: readonly string[];
}

/**
 * Every metric each service registers (process metrics excluded), read back from real
 * registries: the dashboard lint and the docs table use this instead of a hand-kept list.
 */
export function describeMetrics(): MetricDescription[] {
  const factories: Record<ServiceName, (r: Registry) => unknown> = {
    controller: createControllerMetrics,
    trainer: createTrainerMetrics,
    evaluator: createEvaluatorMetrics,
  };
  const out: MetricDescription[] = [];
  for (const [service, create] of Object.entries(factories) as [ServiceName, (r: Registry) => unknown][]) {
    const registry = new Registry();
    create(registry);
    for (const m of registry.getMetricsAsArray()) {
      // prom-client keeps the configured label names on the metric object; its types do not say so.
      const raw: unknown = (m as unknown as { labelNames?: unknown }).labelNames;
      const labels = Array.isArray(raw) ? raw.filter((l): l is string => typeof l === 'string') : [];
      out.push({ service, name: m.name, type: String(m.type), help: m.help, labels });
    }
  }
  return out;
}

/** The series names a metric exposes (histograms expose _bucket, _sum and _count). */
export function exposedSeriesNames(m: Pick<MetricDescription, 'name' | 'type'>): string[] {
  return m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
}
