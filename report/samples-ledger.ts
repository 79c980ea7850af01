// Training samples consumed up to an evaluation: the one counting the report, `compare` and
// bench:learning share. The trainer keeps training while a checkpoint is evaluated, so by the
// time an evaluation arrives the next metrics window has usually arrived too; counting
// "everything so far" put every milestone one window high (step 240 showed step 260's count).
import type { AnyEvent } from '../schemas/events.ts';

interface Window {
  branch: number;
  step: number;
  samples: number;
}

export class SamplesLedger {
  private total = 0;
  /** Every trainer.metrics window, in arrival order (every branch counts). */
  private readonly windows: Window[] = [];

  /** Feed every event in arrival order; only trainer.metrics count. */
  add(event: Pick<AnyEvent, 'type' | 'payload'>): void {
    if (event.type !== 'trainer.metrics') return;
    const payload = event.payload as { step: number; branch?: number; tasks: Record<string, { samples: number }> };
    let samples = 0;
    for (const t of Object.values(payload.tasks)) samples += t.samples;
    this.total += samples;
    this.windows.push({ branch: payload.branch ?? 0, step: payload.step, samples });
  }

  /** Everything consumed so far, on every branch. */
  get consumed(): number {
    return this.total;
  }

  /**
   * Samples consumed when training reached the checkpoint at (`branch`, `step`): every window of
   * an earlier branch (abandoned by a revert, still paid for) and those of its own branch up to
   * its step, never a window of the lesson that was already running when it was evaluated.
   */
  at(step: number, branch = 0): number {
    let total = 0;
    for (const w of this.windows) if (w.branch < branch || (w.branch === branch && w.step <= step)) total += w.samples;
    return total;
  }
}
