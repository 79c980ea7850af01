// `curriculum compare RUN_DIR...`: runs side by side as a plain-text table, one column per
// run, for ablations (the same spec with reviews off, another teacher, another seed).
// Rows are metrics because the milestone rows differ between specs and a row per milestone
// keeps the table readable however many there are.
import { basename } from 'node:path';
import { readRunDir } from './read-run-dir.ts';
import { deriveRunSummary } from './derive-summary.ts';
import type { RunSummary } from './run-summary.ts';
import { formatDuration, formatInteger, formatPercent, formatPoints } from './format.ts';

interface Row {
  label: string;
  values: string[];
}

/** A table of the runs in `runDirs`, aligned for a monospace terminal; notes follow when input was skipped. */
export function compareRuns(runDirs: string[]): string {
  if (runDirs.length === 0) return 'no run directories given\n';
  const runs = runDirs.map((dir) => {
    const data = readRunDir(dir);
    return { dir, summary: data.summary ?? deriveRunSummary(data), derived: data.summary === null, problems: data.problems };
  });
  const summaries = runs.map((r) => r.summary);

  const milestoneNames: string[] = [];
  for (const s of summaries) for (const m of s.milestones) if (!milestoneNames.includes(m.name)) milestoneNames.push(m.name);

  const row = (label: string, value: (s: RunSummary) => string): Row => ({ label, values: summaries.map(value) });
  const cl = (s: RunSummary) => s.continualLearning;
  const rows: Row[] = [
    row('run', (s) => s.runId),
    { label: 'directory', values: runs.map((r) => basename(r.dir)) },
    row('name', (s) => s.name),
    row('status', (s) => `${s.status}${s.earlyStopped ? ' (early stop)' : ''}`),
    row('steps', (s) => formatInteger(s.steps)),
    row('samples', (s) => formatInteger(s.samples)),
    row('wall time', (s) => formatDuration(s.wallSeconds)),
    ...milestoneNames.map((name) =>
      row(`samples to ${name}`, (s) => {
        const m = s.milestones.find((x) => x.name === name);
        return m ? formatInteger(m.samples) : 'not reached';
      }),
    ),
    row('final average accuracy', (s) => formatPercent(cl(s).averageAccuracy)),
    row('backward transfer (BWT)', (s) => formatPoints(cl(s).backwardTransfer)),
    row('forward transfer (FWT)', (s) => formatPoints(cl(s).forwardTransfer)),
    row('forgetting', (s) => formatPoints(cl(s).forgetting)),
    row('reviews', (s) => formatInteger(s.reviews)),
    row('reverts', (s) => formatInteger(s.reverts)),
    row('decisions', (s) => formatInteger(s.decisions)),
  ];

  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const widths = summaries.map((_, i) => Math.max(...rows.map((r) => (r.values[i] ?? '').length)));
  const line = (r: Row) =>
    [r.label.padEnd(labelWidth), ...r.values.map((v, i) => v.padStart(widths[i] ?? 0))].join('  ').trimEnd();
  const [head, ...body] = rows;
  const rule = ['-'.repeat(labelWidth), ...widths.map((w) => '-'.repeat(w))].join('  ');
  const out = [head ? line(head) : '', rule, ...body.map(line)];

  const notes = runs.flatMap((r) => [
    ...(r.derived ? [`${r.summary.runId}: no valid summary.json; figures derived from the logs`] : []),
    ...(r.problems.length > 0 ? [`${r.summary.runId}: ${r.problems.length} file(s) or line(s) skipped; see its report`] : []),
  ]);
  if (notes.length > 0) out.push('', ...notes.map((n) => `note: ${n}`));
  return `${out.join('\n')}\n`;
}
