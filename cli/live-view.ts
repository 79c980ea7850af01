// What a person watches while a run trains: a redrawn panel on a terminal, plain lines otherwise.
import type { RunView } from '../controller/core/index.ts';
import type { AnyEvent, Decision } from '../schemas/events.ts';
import { drawWidth, truncateToWidth, visibleWidth } from './terminal.ts';

export interface LiveViewOptions {
  out: NodeJS.WriteStream;
  /** Redraw in place (a TTY) or print one line per notable event. */
  interactive: boolean;
  clock?: () => number;
  /** Step budget of the run, for the estimate of remaining time. */
  maxSteps: number;
}

const BAR = '█';

export class LiveView {
  private view: RunView | undefined;
  private samplesPerSecond = 0;
  private backend = '';
  private device = '';
  private trainStep = 0;
  private lastDecision: Decision | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Widths of the lines last drawn: after a resize they may take more rows than lines. */
  private drawnWidths: number[] = [];
  private readonly startedAt: number;
  private readonly clock: () => number;
  private address = '';
  private stopped = false;
  private notice = '';

  constructor(private readonly options: LiveViewOptions) {
    this.clock = options.clock ?? (() => Date.now());
    this.startedAt = this.clock();
  }

  start(address: string): void {
    this.address = address;
    if (this.options.interactive) {
      this.timer = setInterval(() => this.draw(), 500);
      this.timer.unref();
    }
  }

  /** Draws the panel a last time and leaves it on screen; later calls do nothing. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.options.interactive) this.draw();
  }

  /** A line under the panel (in place on a terminal, printed once otherwise), e.g. that a stop is under way. */
  note(text: string): void {
    this.notice = text;
    if (!this.options.interactive) this.options.out.write(`${text}\n`);
    else if (!this.stopped) this.draw();
  }

  /** The step training got to, as the panel shows it (the trainer may be ahead of the controller). */
  step(): number {
    return Math.max(this.view?.step ?? 0, this.trainStep);
  }

  onView(view: RunView): void {
    this.view = view;
  }

  onEvent(event: AnyEvent): void {
    if (event.type === 'trainer.metrics') {
      this.samplesPerSecond = event.payload.samplesPerSecond;
      this.backend = event.payload.backend;
      this.device = event.payload.device ?? '';
      this.trainStep = event.payload.step;
    } else if (event.type === 'decision') {
      this.lastDecision = event.payload;
      if (!this.options.interactive) this.options.out.write(`${this.plainLine(event.payload)}\n`);
    }
  }

  private plainLine(d: Decision): string {
    const reason = headlineReason(d);
    const elapsed = ((this.clock() - this.startedAt) / 1000).toFixed(0);
    return `[${elapsed.padStart(4)}s] step ${String(d.step).padStart(6)}  ${d.kind.padEnd(17)} ${d.from} -> ${d.to}${reason ? `  (${reason.message})` : ''}`;
  }

  private draw(): void {
    const out = this.options.out;
    // No line may wrap: the cursor goes back up by lines written, so a wrapped one would leave a copy behind.
    const width = drawWidth(out);
    const lines = this.render().map((l) => truncateToWidth(l, width));
    const columns = width + 1;
    const rows = this.drawnWidths.reduce((n, w) => n + Math.max(1, Math.ceil(w / columns)), 0);
    if (rows > 0) out.write(`\x1b[${rows}F\x1b[J`);
    out.write(`${lines.join('\n')}\n`);
    this.drawnWidths = lines.map(visibleWidth);
  }

  render(): string[] {
    const v = this.view;
    const elapsedMs = this.clock() - this.startedAt;
    const step = this.step();
    const lines: string[] = [];
    const stage = v ? `${v.stageId ?? '-'} (${v.stageIndex + 1}/${v.stageCount})` : 'starting';
    lines.push(`\x1b[1mcurriculum\x1b[0m  ${v?.name ?? ''}  ${v?.state ?? ''}  stage ${stage}  ${this.address}`);
    lines.push(
      `step ${step}  samples/s ${this.samplesPerSecond.toFixed(0)}  backend ${this.backend || '-'}${this.device ? ` on ${this.device}` : ''}  elapsed ${formatDuration(elapsedMs)}  ${estimate(step, this.options.maxSteps, elapsedMs)}`,
    );
    if (v) {
      lines.push('task            held-out    weight');
      const tasks = new Set([...Object.keys(v.heldout), ...Object.keys(v.weights)]);
      for (const t of tasks) {
        const acc = v.heldout[t];
        const w = v.weights[t] ?? 0;
        lines.push(`  ${t.padEnd(14)}${acc === undefined ? '     -    ' : `${(acc * 100).toFixed(1).padStart(6)}% ${bar(acc, 10)}`}  ${(w * 100).toFixed(0).padStart(3)}% ${bar(w, 10)}`);
      }
      lines.push(`reviews ${v.reviews}  reverts ${v.reverts}  decisions ${v.decisionsCount}`);
    }
    const d = this.lastDecision ?? v?.lastDecision ?? undefined;
    if (d) lines.push(`last decision: ${this.plainLine(d)}`);
    if (this.notice) lines.push(this.notice);
    return lines;
  }
}

/**
 * The one reason a line has room for: the gate that failed for a hold, the fairness check that
 * failed for a fairness block (its reasons also list the gates that passed), the condition met otherwise.
 */
export function headlineReason(d: Decision): Decision['reasons'][number] | undefined {
  if (d.kind === 'fairness-block') return d.reasons.find((r) => !r.holds && r.code.startsWith('fairness.')) ?? d.reasons.find((r) => !r.holds) ?? d.reasons[0];
  const wanted = d.kind !== 'hold';
  return d.reasons.find((r) => r.holds === wanted) ?? d.reasons[0];
}

function bar(fraction: number, width: number): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return BAR.repeat(n).padEnd(width, '·');
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Remaining time if the run used its whole step budget: an upper bound, labelled as such. */
function estimate(step: number, maxSteps: number, elapsedMs: number): string {
  if (step <= 0) return '';
  const remaining = ((maxSteps - step) / step) * elapsedMs;
  return `at most ${formatDuration(Math.max(0, remaining))} left`;
}
