// The report's difficulty-bucket section: for every task the loader split into buckets, the
// measure, each bucket's rows and measure range, and its final held-out accuracy. Sizes come
// from the data file itself (the same assignment the trainer used), read from the folder of
// the spec the run started from.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedSpec, TaskSpec } from '../schemas/spec.ts';
import { describeBuckets, measureFields, type BucketInfo } from '../tasks/difficulty-buckets.ts';
import { loadJsonl } from '../tasks/jsonl.ts';
import { loadSpamAssassin } from '../tasks/spam-assassin.ts';
import { html, type Html } from './html.ts';
import { formatInteger, formatNumber, formatPercent } from './format.ts';
import { RUN_DIR_FILES } from './run-dir-files.ts';

interface BucketGroup {
  /** The task as written, before the loader split it. */
  task: string;
  tasks: TaskSpec[];
}

function groups(spec: ResolvedSpec): BucketGroup[] {
  const out = new Map<string, BucketGroup>();
  for (const t of spec.tasks) {
    if (t.buckets?.index === undefined) continue;
    const parent = t.id.slice(0, t.id.lastIndexOf('.b'));
    const group = out.get(parent) ?? { task: parent, tasks: [] };
    group.tasks.push(t);
    out.set(parent, group);
  }
  return [...out.values()];
}

function specFolder(runDir: string): string | undefined {
  const file = join(runDir, RUN_DIR_FILES.runInfo);
  if (!existsSync(file)) return undefined;
  const info = JSON.parse(readFileSync(file, 'utf8')) as { specSource?: unknown };
  return typeof info.specSource === 'string' ? dirname(info.specSource) : undefined;
}

function sizes(runDir: string, task: TaskSpec): BucketInfo[] | string {
  const g = task.generator;
  const b = task.buckets;
  if ((g.kind !== 'jsonl' && g.kind !== 'spam-assassin') || !b) return 'not a bucketed row-based task';
  try {
    if (g.kind === 'spam-assassin') return describeBuckets(loadSpamAssassin(g), b, task.id);
    const folder = specFolder(runDir);
    if (folder === undefined) return `${RUN_DIR_FILES.runInfo} does not name the spec file, so ${g.path} cannot be found`;
    return describeBuckets(loadJsonl(g.path, folder, { extraFields: measureFields(b.by) }), b, task.id);
  } catch (e) {
    return (e as Error).message;
  }
}

function measureText(task: TaskSpec): string {
  const by = task.buckets?.by;
  return by?.kind === 'field' ? `row field "${by.field}"` : 'input length';
}

/** Empty when the run has no bucketed task. */
export function bucketsSection(runDir: string, spec: ResolvedSpec | null, finalHeldout: Record<string, number>): Html {
  const found = spec ? groups(spec) : [];
  if (found.length === 0) return html``;
  const tables = found.map((g) => {
    const first = g.tasks[0] as TaskSpec;
    const info = sizes(runDir, first);
    const heldout = first.generator.kind === 'jsonl' || first.generator.kind === 'spam-assassin' ? first.generator.heldoutFraction : 0;
    const rows = g.tasks.map((t, i) => {
      const b = typeof info === 'string' ? undefined : info[i];
      return html`<tr><td><strong>${t.id}</strong></td><td class="num">${b ? formatInteger(b.rows) : '–'}</td>
<td class="num">${b ? `${formatNumber(b.min, 2)} – ${formatNumber(b.max, 2)}` : '–'}</td><td class="num">${formatPercent(finalHeldout[t.id])}</td></tr>`;
    });
    return html`<h3>${g.task}: ${g.tasks.length} buckets by ${measureText(first)}</h3>
${typeof info === 'string' ? html`<p class="problems">Bucket sizes unavailable: ${info}</p>` : ''}
<table data-chart="buckets-${g.task}" data-points="${g.tasks.length}"><thead><tr><th>bucket task</th><th class="num">rows</th><th class="num">measure range</th><th class="num">final held-out</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="lede">Each bucket keeps ${formatPercent(heldout)} of its rows out of training for its held-out score.</p>`;
  });
  return html`<section id="buckets"><h2>Difficulty buckets</h2>
<p class="lede">Tasks split by a measure of each row, easiest bucket first; stage k of a ladder trains buckets 1..k.</p>
${tables}</section>`;
}
