// The one catalogue of error codes. Every error a user or an operator can see has a code
// here, a message template and a line of documentation (rendered into docs/errors.md).

export const ERROR_CODES = {
  CUR_SPEC_INVALID: { status: 400, doc: 'The curriculum spec failed validation; each field error names its path.' },
  CUR_SPEC_YAML: { status: 400, doc: 'The spec file is not valid YAML; the error gives line and column.' },
  CUR_SPEC_READ: { status: 400, doc: 'The spec file could not be read.' },
  CUR_EVENT_NOT_JSON: { status: 400, doc: 'A bus message was not valid JSON; it goes to the dead-letter topic.' },
  CUR_EVENT_INVALID: { status: 400, doc: 'A bus message failed its event schema; it goes to the dead-letter topic.' },
  CUR_EVENT_UNKNOWN_TYPE: { status: 400, doc: 'A bus message named an event type this version does not know.' },
  CUR_EVENT_UNKNOWN_VERSION: { status: 400, doc: 'A bus message carried a schema version this build does not know.' },
  CUR_EVENT_TOO_LARGE: { status: 413, doc: 'A bus message exceeded the configured size limit.' },
  CUR_TASK_UNKNOWN: { status: 400, doc: 'A command named a task the service was not configured with.' },
  CUR_CHECKPOINT_MISSING: { status: 404, doc: 'A command named a checkpoint that does not exist in the checkpoint directory.' },
  CUR_MODEL_FILE: {
    status: 400,
    doc: 'A model file (a pretrained model.json, its weight shards) is missing, malformed or does not match the run: the message names the file and the cause.',
  },
  CUR_TRAINING_NAN: { status: 500, doc: 'The loss became NaN or infinite; the lesson was abandoned and its weights discarded.' },
  CUR_DATASET_EXHAUSTED: { status: 500, doc: 'A file-backed task ran out of rows for a split.' },
  CUR_DATASET_ROW: { status: 400, doc: 'A JSONL dataset row is malformed; the error names the line and field.' },
  CUR_SNAPSHOT_RESTORE: { status: 500, doc: 'A persisted controller snapshot could not be restored; the run is not restarted afresh.' },
  CUR_SNAPSHOT_VERSION: { status: 500, doc: 'A persisted snapshot has a machine version with no migration path.' },
  CUR_STORE_EMPTY_WITH_OFFSETS: {
    status: 500,
    doc: 'The state store is empty but the consumer group has committed offsets: refusing to start runs afresh.',
  },
  CUR_STORE_FENCED: { status: 409, doc: 'A state write was refused because a newer offset was already applied (stale controller).' },
  CUR_STORE_UNAVAILABLE: { status: 503, doc: 'The state store (Redis) did not answer in time; a write may or may not have been applied, and retrying it is safe (commits are fenced by their source offset).' },
  CUR_STORE_CORRUPT: { status: 500, doc: 'A stored run record could not be read back (bad JSON or event); the run is not restarted afresh.' },
  CUR_RUN_UNKNOWN: { status: 404, doc: 'No run with that id.' },
  CUR_RUN_EXISTS: { status: 409, doc: 'A run with that id already exists.' },
  CUR_RUN_NOT_RESUMABLE: {
    status: 409,
    doc: 'The folder given to --resume is not a run that can continue: it does not exist, is not a run directory, or never got past its start.',
  },
  CUR_PORT_IN_USE: { status: 409, doc: 'The HTTP port is taken (often another run): stop that process, or pass --port 0 (any free port) or --no-http.' },
  CUR_ACTION_INVALID: { status: 409, doc: "The operator action is not allowed in the run's current state; the answer names the state and the actions that are valid in it." },
  CUR_AUTH: { status: 401, doc: 'Missing or wrong bearer token.' },
  CUR_CONFIG_INVALID: { status: 400, doc: 'A service configuration (file or environment) failed validation.' },
  CUR_COMMAND_FAILED: {
    status: 500,
    doc: 'A trainer or evaluator command failed for a reason no more specific code covers; the message says why. The service carries on with its next command.',
  },
  CUR_BACKEND_UNAVAILABLE: { status: 500, doc: 'The requested TensorFlow.js backend is not installed or found no device.' },
  CUR_FEEDBACK_INVALID: { status: 400, doc: 'A feedback row failed the feedback schema.' },
  CUR_FEEDBACK_REFUSED: {
    status: 422,
    doc: "A valid feedback row cannot apply to the run it was sent to: another deployment, an input no task of the run encodes, or a label outside the task's classes. It is never pooled nor counted (the bus dead-letters it with the reason).",
  },
  CUR_REQUEST_INVALID: { status: 400, doc: 'An HTTP request body, parameter or header failed validation; each detail names the field.' },
  CUR_ROUTE_UNKNOWN: { status: 404, doc: 'No HTTP route with that method and path.' },
  CUR_INTERNAL: { status: 500, doc: 'An unexpected server error; the log has the details under the request id.' },
  CUR_RUN_DIR_INVALID: { status: 400, doc: 'A run-directory file (summary.json, a JSONL log) is malformed; the error names the file, line and field.' },
} as const satisfies Record<string, { status: number; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a catalogue code and optional structured details (field errors, ids). */
export class CurriculumError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];
  constructor(code: ErrorCode, message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CurriculumError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
  /** Message plus one indented line per detail, for terminals. */
  describe(): string {
    return [`${this.code}: ${this.message}`, ...this.details.map((d) => `  - ${d}`)].join('\n');
  }
}

/** CUR_ACTION_INVALID: an operator action the run cannot take in its current state, with the ones it can. */
export class ActionInvalidError extends CurriculumError {
  constructor(
    readonly runId: string,
    readonly action: string,
    readonly state: string,
    readonly validActions: readonly string[],
  ) {
    const valid = validActions.length > 0 ? validActions.join(', ') : 'none';
    super('CUR_ACTION_INVALID', `cannot ${action} run ${runId} while it is ${state}; valid actions now: ${valid}`, [`state: ${state}`, `valid actions: ${valid}`]);
    this.name = 'ActionInvalidError';
  }
}

export function isCurriculumError(e: unknown): e is CurriculumError {
  return e instanceof CurriculumError;
}
