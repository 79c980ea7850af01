// summary.json at the end of an embedded run: derived from the run's logs (the same
// derivation the report uses), with the controller's own view as the authority on the
// run's state and its continual-learning matrix.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunView } from '../controller/core/index.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { isTerminalRunState } from '../schemas/common.ts';
import { readRunDir } from '../report/read-run-dir.ts';
import { deriveRunSummary } from '../report/derive-summary.ts';
import type { RunStatus, RunSummary } from '../report/run-summary.ts';
import { RUN_DIR_FILES } from '../report/run-dir-files.ts';

export interface SummaryInput {
  runDir: string;
  view: RunView;
  spec: ResolvedSpec;
  startedAt: Date;
  finishedAt: Date;
  wallSeconds: number;
  backend: string;
  device?: string;
  interrupted: boolean;
}

export function statusOfView(view: RunView): RunStatus {
  if (!view.terminal) return 'running';
  if (isTerminalRunState(view.state)) return view.state;
  return 'stopped';
}

export function writeRunSummary(input: SummaryInput): RunSummary {
  const derived = deriveRunSummary(readRunDir(input.runDir));
  const summary: RunSummary = {
    ...derived,
    runId: input.view.runId,
    name: input.spec.name,
    status: statusOfView(input.view),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.interrupted ? null : input.finishedAt.toISOString(),
    wallSeconds: Math.max(derived.wallSeconds, input.wallSeconds),
    steps: input.view.step,
    backend: input.backend,
    ...(input.device !== undefined ? { device: input.device } : derived.device !== undefined ? { device: derived.device } : {}),
    continualLearning: input.view.continualLearning,
    reviews: input.view.reviews,
    reverts: input.view.reverts,
    earlyStopped: input.view.earlyStopped,
  };
  writeFileSync(join(input.runDir, RUN_DIR_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
