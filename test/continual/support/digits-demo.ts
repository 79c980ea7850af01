// Drives the continual-digits example as production would: wait for deployment, play production
// (shifted digits or adversarial noise, answered by the deployed checkpoint), send the feedback
// with the real producer, wait for the promotion decision, stop the run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyEvent, Decision, Feedback } from '../../../schemas/events.ts';
import type { RunView } from '../../../controller/core/index.ts';
import { checkpointDir, loadCheckpointModel } from '../../../trainer/checkpoint-store.ts';
import { predictClasses } from '../../../evaluator/predict.ts';
import { DIGITS_ENCODING } from '../../../tasks/permuted-digits.ts';
import { feedbackRows, shiftedDigits, type ShiftOptions } from '../../../tasks/shifted-feedback.ts';

export const EXAMPLE_SPEC = join(import.meta.dirname, '../../../examples/continual-digits.yaml');
export const DEPLOYMENT = 'digits-prod';

/** Rows of production feedback, with the predictions of the deployed checkpoint. */
export async function productionFeedback(checkpointRoot: string, runId: string, deployedCheckpointId: string, options: ShiftOptions): Promise<Feedback[]> {
  const rows = shiftedDigits(options);
  const { model } = await loadCheckpointModel(checkpointDir(checkpointRoot, runId, deployedCheckpointId));
  try {
    const predicted = predictClasses(model, DIGITS_ENCODING, rows.map((r) => r.input));
    return feedbackRows(options, rows, predicted.map((p) => String(p[0] ?? '')));
  } finally {
    model.dispose();
  }
}

export function writeJsonl(rows: readonly unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'curriculum-feedback-'));
  const file = join(dir, 'feedback.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

/** Collects transitions and lets a test wait for a condition on the latest view or the decisions. */
export class Watcher {
  view: RunView | undefined;
  readonly decisions: Decision[] = [];
  readonly commands: AnyEvent[] = [];
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  observe(view: RunView, decisions: readonly Decision[], commands: readonly AnyEvent[] = []): void {
    this.view = view;
    this.decisions.push(...decisions);
    this.commands.push(...commands);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; last state ${this.view?.detailedState}, decisions ${this.decisions.map((d) => d.kind).join(' ')}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  kinds(): string[] {
    return this.decisions.map((d) => d.kind);
  }
}
