// Reads a run directory for the report and `curriculum compare`. Tolerant by design: a run
// that is still going has no summary.json and may have a half-written last JSONL line, and a
// report of what is there beats no report. Everything skipped is listed in `problems` (and
// shown in the report), so tolerance never hides a bad line.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validateEvent } from '../schemas/decode.ts';
import type { EnvelopeOf, EventType } from '../schemas/events.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { parseSpecText, parseSpecValue } from '../schemas/spec-loader.ts';
import { CurriculumError, isCurriculumError } from '../schemas/errors.ts';
import { RUN_DIR_FILES } from './run-dir-files.ts';
import { parseRunSummary, type RunSummary } from './run-summary.ts';

export type MetricsEnvelope = EnvelopeOf<'trainer.metrics'> | EnvelopeOf<'evaluation.results'>;

export interface RunData {
  runDir: string;
  /** From summary.json, else the first event, else the directory name. */
  runId: string;
  /** spec.yaml as written, or null when absent. */
  specText: string | null;
  /** spec.resolved.json (or spec.yaml resolved here when the JSON is absent); null when neither is usable. */
  spec: ResolvedSpec | null;
  /** summary.json when present and valid. */
  summary: RunSummary | null;
  decisions: EnvelopeOf<'decision'>[];
  /** trainer.metrics and evaluation.results, in arrival order. */
  metrics: MetricsEnvelope[];
  lessons: EnvelopeOf<'lesson.start'>[];
  /** Every file or line that was skipped and why, `file:line: reason`. */
  problems: string[];
}

/** Reads whatever of the run-directory contract is present. Never throws for content; only for a missing directory (CUR_RUN_DIR_INVALID). */
export function readRunDir(runDir: string): RunData {
  if (!existsSync(runDir)) {
    throw new CurriculumError('CUR_RUN_DIR_INVALID', `${runDir}: no such run directory`);
  }
  const problems: string[] = [];
  const path = (f: string) => join(runDir, f);

  const decisions = readJsonl(path(RUN_DIR_FILES.decisions), ['decision'], problems) as EnvelopeOf<'decision'>[];
  const metrics = readJsonl(path(RUN_DIR_FILES.metrics), ['trainer.metrics', 'evaluation.results'], problems) as MetricsEnvelope[];
  const lessons = readJsonl(path(RUN_DIR_FILES.lessons), ['lesson.start'], problems) as EnvelopeOf<'lesson.start'>[];

  const specText = readText(path(RUN_DIR_FILES.specYaml));
  const spec = readSpec(runDir, specText, problems);
  const summary = readSummary(path(RUN_DIR_FILES.summary), problems);

  const runId = summary?.runId ?? decisions[0]?.runId ?? metrics[0]?.runId ?? lessons[0]?.runId ?? basename(runDir);
  return { runDir, runId, specText, spec, summary, decisions, metrics, lessons, problems };
}

function readText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

function readJsonl(file: string, types: readonly EventType[], problems: string[]): unknown[] {
  const text = readText(file);
  if (text === null) return [];
  const name = basename(file);
  const out: unknown[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${name}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Only the last line may be half-written by a live run; say so, since it is expected then.
      const partial = i === lines.length - 1 && !text.endsWith('\n');
      problems.push(`${where}: not JSON${partial ? ' (a partly written last line; the run may still be writing)' : ''}`);
      return;
    }
    const result = validateEvent(value);
    if (!result.ok) {
      problems.push(`${where}: ${result.code}: ${result.reason}`);
      return;
    }
    if (!types.includes(result.event.type)) {
      problems.push(`${where}: unexpected event type ${result.event.type} (this file holds ${types.join(', ')})`);
      return;
    }
    out.push(result.event);
  });
  return out;
}

function readSpec(runDir: string, specText: string | null, problems: string[]): ResolvedSpec | null {
  const resolvedText = readText(join(runDir, RUN_DIR_FILES.specResolved));
  try {
    if (resolvedText !== null) return parseSpecValue(JSON.parse(resolvedText) as unknown, RUN_DIR_FILES.specResolved);
    if (specText !== null) return parseSpecText(specText, RUN_DIR_FILES.specYaml);
  } catch (e) {
    problems.push(isCurriculumError(e) ? e.describe() : `${RUN_DIR_FILES.specResolved}: ${(e as Error).message}`);
  }
  return null;
}

function readSummary(file: string, problems: string[]): RunSummary | null {
  const text = readText(file);
  if (text === null) return null;
  try {
    return parseRunSummary(JSON.parse(text) as unknown, RUN_DIR_FILES.summary);
  } catch (e) {
    problems.push(isCurriculumError(e) ? e.describe() : `${RUN_DIR_FILES.summary}: not JSON: ${(e as Error).message}`);
    return null;
  }
}
