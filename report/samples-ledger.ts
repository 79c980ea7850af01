// Training samples consumed up to an evaluation: the one counting the report, `compare` and
// bench:learning share. The trainer keeps training while a checkpoint is evaluated, so by the
// time an evaluation arrives the next metrics window has usually arrived too; counting
// "everything so far" put every milestone one window high (step 240 showed step 260's count).
import type { AnyEvent } from '../schemas/events.ts';

export class SamplesLedger {
  private total = 0;
  /** Cumulative total after each trainer.metrics window, in arrival order (every branch counts). */
  private readonly marks: Array<{ step: number; total: number }> = [];

  /** Feed every event in arrival order; only trainer.metrics count. */
  add(event: Pick<AnyEvent, 'type' | 'payload'>): void {
    if (event.type !== 'trainer.metrics') return;
    const payload = event.payload as { step: number; tasks: Record<string, { samples: number }> };
    for (const t of Object.values(payload.tasks)) this.total += t.samples;
    this.marks.push({ step: payload.step, total: this.total });
  }

  /** Everything consumed so far, on every branch. */
  get consumed(): number {
    return this.total;
  }

  /**
   * Samples consumed when training reached the checkpoint at `step`: the total at the latest
   * window ending at or before it. Later windows with higher steps belong to the lesson that
   * was already running; after a revert the new branch's windows come later and are found first.
   */
  at(step: number): number {
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const mark = this.marks[i] as { step: number; total: number };
      if (mark.step <= step) return mark.total;
    }
    return 0;
  }
}
