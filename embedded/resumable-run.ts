// What `--resume RUN_DIR` reads before anything starts: the folder must be a run directory
// (its spec and run.json), so a typo or a wrong folder gets one clear line, not a stack trace.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseSpecText } from '../schemas/spec-loader.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { CurriculumError } from '../schemas/errors.ts';
import { RUN_FILES } from './run-recorder.ts';

export interface ResumableRunDir {
  runId: string;
  runDir: string;
  runsDir: string;
  spec: ResolvedSpec;
  /** The spec file the run was started from (run.json). */
  specSource: string;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function notResumable(runDir: string, why: string): CurriculumError {
  return new CurriculumError('CUR_RUN_NOT_RESUMABLE', `cannot resume ${shown(runDir)}: ${why}`);
}

export function readResumableRunDir(dir: string): ResumableRunDir {
  const runDir = resolve(dir);
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw notResumable(runDir, 'no such folder; --resume takes a run folder such as runs/<run id>/ (the path the interrupted run printed)');
  }
  const specPath = join(runDir, RUN_FILES.specYaml);
  const infoPath = join(runDir, RUN_FILES.runInfo);
  if (!existsSync(specPath) || !existsSync(infoPath)) {
    throw notResumable(runDir, `not a run folder (no ${RUN_FILES.specYaml} and ${RUN_FILES.runInfo}); --resume takes runs/<run id>/`);
  }
  const spec = parseSpecText(readFileSync(specPath, 'utf8'), specPath);
  let specSource: unknown;
  try {
    specSource = (JSON.parse(readFileSync(infoPath, 'utf8')) as { specSource?: unknown }).specSource;
  } catch {
    specSource = undefined;
  }
  if (typeof specSource !== 'string') throw notResumable(runDir, `${RUN_FILES.runInfo} is not valid JSON with a "specSource"`);
  return { runId: basename(runDir), runDir, runsDir: resolve(runDir, '..'), spec, specSource };
}

/** The refusal for a folder whose run never got past its start (no controller state was saved). */
export function neverStarted(run: ResumableRunDir): CurriculumError {
  return notResumable(
    run.runDir,
    `the run never started (no controller state was saved), so there is nothing to continue: start it afresh with "curriculum run ${shown(run.specSource)}" and delete ${shown(run.runDir)}`,
  );
}
