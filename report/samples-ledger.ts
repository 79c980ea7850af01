// Training samples consumed up to an evaluation: the one counting the report, `compare` and
// bench:learning share. The trainer keeps training while a checkpoint is evaluated, so by the
// time an evaluation arrives the next metrics window has usually arrived too; counting
// "everything so far" put every milestone one window high (step 240 showed step 260's count).
import type { AnyEvent } from '../schemas/events.ts';

/** (branch, step, samples) of one trainer.metrics window. */
export type SamplesWindow = readonly [branch: number, step: number, samples: number];

/**
 * Samples consumed up to an evaluated checkpoint (branch, step): every window of an earlier
 * branch (abandoned by a revert, still paid for) and those of its own branch up to its step,
 * never a window the trainer published after the checkpoint.
 */
export function consumedUpTo(windows: ReadonlyArray<SamplesWindow>, branch: number, step: number): number {
  let total = 0;
  for (const [b, s, n] of windows) if (b < branch || (b === branch && s <= step)) total += n;
  return total;
}

export class SamplesLedger {
  private total = 0;
  private readonly windows: SamplesWindow[] = [];

  /** Feed every event in arrival order; only trainer.metrics count. */
  add(event: Pick<AnyEvent, 'type' | 'payload'>): void {
    if (event.type !== 'trainer.metrics') return;
    const payload = event.payload as { branch: number; step: number; tasks: Record<string, { samples: number }> };
    let n = 0;
    for (const t of Object.values(payload.tasks)) n += t.samples;
    this.total += n;
    this.windows.push([payload.branch, payload.step, n]);
  }

  /** Everything consumed so far, on every branch. */
  get consumed(): number {
    return this.total;
  }

  /** Samples behind the checkpoint at (branch, step), from the windows seen so far. */
  at(branch: number, step: number): number {
    return consumedUpTo(this.windows, branch, step);
  }
}
