// Restoring persisted snapshots. A snapshot names the machine and version it was written by; the
// chain upgrades it one version at a time to MACHINE_VERSION. Anything that does not restore
// cleanly is an error (CUR_SNAPSHOT_RESTORE / CUR_SNAPSHOT_VERSION), never a fresh run.
import { CurriculumError } from '../../schemas/errors.ts';
import { validateSpecValue } from '../../schemas/spec-loader.ts';
import { RESUMABLE_STATES, runMachine, type PersistedMachine } from './machine.ts';
import { MACHINE_ID, MACHINE_VERSION, type RunSnapshot } from './snapshot.ts';

/** A pure upgrade of a snapshot from version `from` to `from + 1`. */
export type Migration = (snapshot: Record<string, unknown>) => Record<string, unknown>;

/**
 * Keyed by the version they upgrade from. Each change to the machine or the snapshot data bumps
 * MACHINE_VERSION, adds a step here and commits the new version's golden snapshot
 * (test/fixtures/controller/snapshot.v<N>.json).
 */
export const MIGRATIONS: Readonly<Record<number, Migration>> = {
  // v2 logs what the teacher learned from a lesson (Exp3.S rewards) with the next lesson decision.
  1: (s) => ({ ...s, machineVersion: 2, data: { ...(s.data as Record<string, unknown>), teacherNotes: [] } }),
  // v3 counts feedback for the pool cut of retraining lessons, schedules drift checks and
  // remembers the deployed checkpoint's step (a rejected candidate reverts to it).
  2: (s) => {
    const data = s.data as Record<string, unknown>;
    const continual = (data.continual ?? {}) as Record<string, unknown>;
    const last = data.lastCheckpoint as { step?: unknown } | null | undefined;
    const deployedStep = typeof last?.step === 'number' ? last.step : 0;
    return {
      ...s,
      machineVersion: 3,
      data: { ...data, continual: { ...continual, deployedStep, feedbackTotal: 0, lastDriftCheckAt: 0, lastDrift: null } },
    };
  },
};

function fail(message: string, details: string[] = []): never {
  throw new CurriculumError('CUR_SNAPSHOT_RESTORE', message, details);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function migrate(raw: Record<string, unknown>, target: number, migrations: Readonly<Record<number, Migration>>): Record<string, unknown> {
  let current = raw;
  const declared: unknown = current.machineVersion;
  if (typeof declared !== 'number' || !Number.isInteger(declared) || declared < 1) fail('snapshot has no valid machineVersion', [`machineVersion: ${JSON.stringify(declared)}`]);
  let version: number = declared;
  if (version > target) {
    throw new CurriculumError('CUR_SNAPSHOT_VERSION', `snapshot version ${version} is newer than this build (${target})`);
  }
  while (version < target) {
    const step = migrations[version];
    if (!step) throw new CurriculumError('CUR_SNAPSHOT_VERSION', `no migration from snapshot version ${version} (this build is version ${target})`);
    current = step(current);
    if (current.machineVersion !== version + 1) fail(`migration from version ${version} did not produce version ${version + 1}`);
    version += 1;
  }
  return current;
}

const NUMBER_FIELDS = ['rng', 'nextCommand', 'nextDecision', 'nextLesson', 'step', 'trainedSteps', 'samples', 'branch', 'lessons', 'stageLessons', 'stageTrainedSteps', 'learningRateScale', 'gateStreak', 'reverts', 'reviews', 'decisionsCount'];
const OBJECT_FIELDS = ['weights', 'teacher', 'earlyStop', 'heldout', 'mastered', 'continual', 'counters'];
const ARRAY_FIELDS = ['plateauWindow', 'gated', 'stages', 'clMatrix', 'clBaseline', 'recentEventIds', 'teacherNotes'];

function checkMachine(machine: unknown, stageCount: number): PersistedMachine {
  if (!isRecord(machine) || !isRecord(machine.context)) fail('snapshot.machine is missing or not an object');
  const ctx = machine.context;
  const value = machine.value;
  const valid = typeof value === 'string' || (isRecord(value) && Object.keys(value).length === 1);
  if (!valid) fail('snapshot.machine.value is not a state value', [`value: ${JSON.stringify(value)}`]);
  if (typeof ctx.stageIndex !== 'number' || !Number.isInteger(ctx.stageIndex) || ctx.stageIndex < 0 || ctx.stageIndex >= stageCount) {
    fail('snapshot.machine.context.stageIndex is outside the spec stages', [`stageIndex: ${JSON.stringify(ctx.stageIndex)}, stages: ${stageCount}`]);
  }
  if (ctx.stageCount !== stageCount) fail('snapshot.machine.context.stageCount does not match the spec', [`stageCount: ${JSON.stringify(ctx.stageCount)}, spec: ${stageCount}`]);
  if (typeof ctx.continual !== 'boolean') fail('snapshot.machine.context.continual is not a boolean');
  if (ctx.resumeTo !== null && !(RESUMABLE_STATES as readonly unknown[]).includes(ctx.resumeTo)) fail('snapshot.machine.context.resumeTo is not a resumable state');
  if (machine.status === 'error') fail('snapshot machine is in status error');
  if (machine.status !== 'active' && machine.status !== 'done') fail('snapshot.machine.status is not active or done', [`status: ${JSON.stringify(machine.status)}`]);
  const persisted = machine as unknown as PersistedMachine;
  try {
    const resolved = runMachine.resolveState({ value: persisted.value, context: persisted.context });
    if (resolved.status === 'error') fail('snapshot machine resolves to status error');
    if (JSON.stringify(resolved.value) !== JSON.stringify(persisted.value)) fail('snapshot.machine.value is not a state of this machine', [`value: ${JSON.stringify(persisted.value)}`]);
  } catch (e) {
    if (e instanceof CurriculumError) throw e;
    fail('snapshot.machine.value is not a state of this machine', [`value: ${JSON.stringify(persisted.value)}`, (e as Error).message]);
  }
  return persisted;
}

export function restoreWith(raw: unknown, migrations: Readonly<Record<number, Migration>>, target: number): RunSnapshot {
  if (!isRecord(raw)) fail('snapshot is not an object');
  if (raw.machineId !== MACHINE_ID) fail(`snapshot belongs to machine ${JSON.stringify(raw.machineId)}, not ${MACHINE_ID}`);
  const s = migrate(raw, target, migrations);
  for (const key of ['runId', 'producer', 'baseDir'] as const) if (typeof s[key] !== 'string') fail(`snapshot.${key} is not a string`);
  const specErrors = validateSpecValue(s.spec);
  if (specErrors.length > 0) fail('snapshot.spec is not a valid curriculum spec', specErrors.map((e) => `${e.path}: ${e.message}`));
  const spec = s.spec as RunSnapshot['spec'];
  checkMachine(s.machine, spec.stages.length);
  const data = s.data;
  if (!isRecord(data)) fail('snapshot.data is missing');
  const problems: string[] = [];
  for (const k of NUMBER_FIELDS) if (typeof data[k] !== 'number' || !Number.isFinite(data[k])) problems.push(`data.${k}: expected a finite number`);
  for (const k of OBJECT_FIELDS) if (!isRecord(data[k])) problems.push(`data.${k}: expected an object`);
  for (const k of ARRAY_FIELDS) if (!Array.isArray(data[k])) problems.push(`data.${k}: expected an array`);
  if (data.inFlight !== null && !(isRecord(data.inFlight) && (data.inFlight.kind === 'lesson' || data.inFlight.kind === 'evaluate'))) problems.push('data.inFlight: expected null, a lesson or an evaluation');
  if (Array.isArray(data.stages) && data.stages.length !== spec.stages.length) problems.push('data.stages: one record per spec stage expected');
  if (problems.length > 0) fail('snapshot.data is malformed', problems);
  return s as unknown as RunSnapshot;
}

export function restoreSnapshot(raw: unknown): RunSnapshot {
  return restoreWith(raw, MIGRATIONS, MACHINE_VERSION);
}
