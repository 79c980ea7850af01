// `curriculum score --model RUN_OR_CHECKPOINT DATA.jsonl`: transfer scoring. Writes the rows of
// DATA with one more field, a trained model's loss on the row, so a task can be split into
// difficulty buckets by it (buckets: { count: N, by: { kind: field, field: loss } }).
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { selectBackend, isBackendName } from '../trainer/backend.ts';
import { loadJsonl } from '../tasks/jsonl.ts';
import { resolveScoringCheckpoint, scoreRows } from '../evaluator/score-rows.ts';

const HELP = `usage: curriculum score --model RUN_DIR|CHECKPOINT_DIR DATA.jsonl [options]

Scores every row of DATA.jsonl with a trained model (a run directory: its latest lesson-end
checkpoint) and writes the rows with the model's cross-entropy loss added (higher: harder).
Split a task by it with  buckets: { count: 3, by: { kind: field, field: loss } }.

options:
  --model PATH     run directory or checkpoint directory of the scoring model (required)
  --field NAME     name of the added field (default: loss)
  --out FILE       where the scored rows go (default: DATA with .scored.jsonl)
  --backend NAME   auto | tensorflow-gpu | tensorflow | wasm | cpu (default: wasm)
`;

const STANDARD_FIELDS = new Set(['input', 'label', 'category']);

export async function scoreCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      model: { type: 'string' },
      field: { type: 'string', default: 'loss' },
      out: { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
    },
  });
  if (values.help || positionals.length !== 1 || !values.model) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(values.field) || STANDARD_FIELDS.has(values.field)) {
    console.error(`--field: "${values.field}" must be a plain name (letters, digits, _) other than input, label, category`);
    return 2;
  }
  if (!isBackendName(values.backend)) {
    console.error(`--backend: unknown backend "${values.backend}"`);
    return 2;
  }
  const file = resolve(positionals[0] as string);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  // Keep every field the rows already carry (an earlier score, a grade): only one is added.
  const extra = new Set<string>();
  for (const line of lines) {
    try {
      const value: unknown = JSON.parse(line);
      if (value && typeof value === 'object' && !Array.isArray(value)) for (const k of Object.keys(value)) if (!STANDARD_FIELDS.has(k)) extra.add(k);
    } catch {
      // parseJsonl below reports the line with its number.
    }
  }
  const dataset = loadJsonl(file, '/', { extraFields: [...extra] });
  await selectBackend(values.backend, pino({ level: 'silent' }));
  const checkpoint = resolveScoringCheckpoint(resolve(values.model));
  const losses = await scoreRows(checkpoint, dataset);
  const out = values.out ? resolve(values.out) : file.replace(/(\.jsonl)?$/, '.scored.jsonl');
  const rows = dataset.rows.map((row, i) => {
    const original = JSON.parse(lines[row.line - 1] as string) as Record<string, unknown>;
    return JSON.stringify({ ...original, [values.field]: Number((losses[i] ?? 0).toPrecision(6)) });
  });
  writeFileSync(out, `${rows.join('\n')}\n`);
  process.stdout.write(`scored ${rows.length} rows of ${file} with ${checkpoint}\nwrote ${out} (field "${values.field}": the model's loss per row)\n`);
  return 0;
}
