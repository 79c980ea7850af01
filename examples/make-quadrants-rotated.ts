// Writes the shifted data of the quadrants fine-tune example: every row of data/quadrants.jsonl
// rotated by 30 degrees about the origin, keeping its label, so the quadrant boundaries the base
// model learned are off by 30 degrees. One file per ring (the "inner" and the rarer, harder
// "outer" category), so the fine-tune spec can go easy to hard.
// usage: npx tsx examples/make-quadrants-rotated.ts   (rewrites examples/data/quadrants-rotated-*.jsonl)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const data = join(import.meta.dirname, 'data');
const angle = (30 * Math.PI) / 180;
const rings: Record<string, string[]> = { inner: [], outer: [] };
for (const line of readFileSync(join(data, 'quadrants.jsonl'), 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const row = JSON.parse(line) as { input: [number, number]; label: string; category: 'inner' | 'outer' };
  const [x, y] = row.input;
  const input = [x * Math.cos(angle) - y * Math.sin(angle), x * Math.sin(angle) + y * Math.cos(angle)].map((v) => Math.round(v * 1e4) / 1e4);
  rings[row.category]?.push(JSON.stringify({ input, label: row.label, category: row.category }));
}
for (const [ring, rows] of Object.entries(rings)) writeFileSync(join(data, `quadrants-rotated-${ring}.jsonl`), `${rows.join('\n')}\n`);
