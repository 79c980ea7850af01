// Generates the committed artefacts derived from the TypeScript contracts:
//   schemas/json/*.json       JSON Schema for every event and for the spec (clients in other languages)
//   docs/spec-reference.md    every spec field with its type, default and description
//   docs/dead-letters.md      the dead-letter record (schemas/dead-letter.ts)
// `npm run schemas:generate` writes them; the contract test fails when they are stale.
import { writeFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { EVENT_SCHEMAS, FeedbackPayload, type EventType } from './events.ts';
import { CurriculumSpec } from './spec.ts';
import { ERROR_CODES } from './errors.ts';
import { ALL_TOPICS, TOPIC_OF } from './topics.ts';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_RECORD_DOC, DeadLetterHeaders } from './dead-letter.ts';

const root = join(import.meta.dirname, '..');

/** Plain JSON Schema: TypeBox symbols dropped; fields with defaults are optional to a writer. */
function toJsonSchema(schema: TSchema): unknown {
  const plain = JSON.parse(JSON.stringify(schema)) as unknown;
  const relax = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(relax);
    if (typeof node !== 'object' || node === null) return node;
    const obj = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, relax(v)])) as Record<string, unknown>;
    const props = obj.properties as Record<string, { default?: unknown }> | undefined;
    if (props && Array.isArray(obj.required)) {
      obj.required = (obj.required as string[]).filter((k) => props[k]?.default === undefined);
      if ((obj.required as string[]).length === 0) delete obj.required;
    }
    return obj;
  };
  return relax(plain);
}

export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  for (const type of Object.keys(EVENT_SCHEMAS) as EventType[]) {
    files.set(`schemas/json/${type}.event.json`, json({
      $schema: 'http://json-schema.org/draft-07/schema#',
      'x-topic': TOPIC_OF[type],
      ...(toJsonSchema(EVENT_SCHEMAS[type] as TSchema) as object),
    }));
  }
  files.set('schemas/json/spec.schema.json', json({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'spec.schema.json',
    title: 'Curriculum spec',
    ...(toJsonSchema(CurriculumSpec) as object),
  }));
  // One line of a feedback JSONL file (`curriculum feedback send`): the feedback event's payload.
  files.set('schemas/json/feedback.payload.json', json({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'feedback.payload.json',
    title: 'Feedback row',
    'x-topic': TOPIC_OF.feedback,
    ...(toJsonSchema(FeedbackPayload) as object),
  }));
  files.set('schemas/json/dead-letter.headers.json', json({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'dead-letter.headers.json',
    title: 'Dead-letter record headers',
    'x-topic': '<topic>.dlq',
    'x-key': DEAD_LETTER_RECORD_DOC.key,
    'x-value': DEAD_LETTER_RECORD_DOC.value,
    ...(toJsonSchema(DeadLetterHeaders) as object),
  }));
  files.set('schemas/json/topics.json', json({ topics: ALL_TOPICS, eventTopics: TOPIC_OF }));
  files.set('docs/spec-reference.md', specReference());
  files.set('docs/errors.md', errorReference());
  files.set('docs/dead-letters.md', deadLetterReference());
  return files;
}

function typeLabel(s: Record<string, unknown>): string {
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return (s.anyOf as Record<string, unknown>[]).map(typeLabel).join(' \\| ');
  if (s.type === 'array') return `${typeLabel(s.items as Record<string, unknown>)}[]`;
  if (s.type === 'object' && s.patternProperties) return 'map';
  const range = [
    s.minimum !== undefined ? `>= ${String(s.minimum)}` : '',
    s.exclusiveMinimum !== undefined ? `> ${String(s.exclusiveMinimum)}` : '',
    s.maximum !== undefined ? `<= ${String(s.maximum)}` : '',
  ].filter(Boolean).join(', ');
  return `${String(s.type ?? 'any')}${range ? ` (${range})` : ''}`;
}

function specReference(): string {
  const rows: string[] = [];
  const walk = (schema: Record<string, unknown>, path: string, required: boolean) => {
    const variants = schema.anyOf as Record<string, unknown>[] | undefined;
    if (variants && variants.every((v) => v.type === 'object')) {
      rows.push(`| \`${path}\` | one of the kinds below | ${required ? 'yes' : ''} | | ${String(schema.description ?? '')} |`);
      for (const v of variants) {
        const kind = (v.properties as Record<string, { const?: string }>).kind?.const ?? '?';
        walk(v, `${path}{kind: ${kind}}`, true);
      }
      return;
    }
    if (schema.type === 'object' && schema.properties) {
      if (path) rows.push(`| \`${path}\` | object | ${required ? 'yes' : ''} | | ${String(schema.description ?? '')} |`);
      const req = new Set((schema.required as string[] | undefined) ?? []);
      for (const [k, v] of Object.entries(schema.properties as Record<string, Record<string, unknown>>)) {
        walk(v, path ? `${path}.${k}` : k, req.has(k) && v.default === undefined);
      }
      return;
    }
    if (schema.type === 'array' && (schema.items as Record<string, unknown>).type === 'object') {
      rows.push(`| \`${path}\` | list | ${required ? 'yes' : ''} | | ${String(schema.description ?? '')} |`);
      walk(schema.items as Record<string, unknown>, `${path}[]`, true);
      return;
    }
    const def = schema.default === undefined ? '' : `\`${JSON.stringify(schema.default)}\``;
    rows.push(`| \`${path}\` | ${typeLabel(schema)} | ${required ? 'yes' : ''} | ${def} | ${String(schema.description ?? '')} |`);
  };
  walk(JSON.parse(JSON.stringify(CurriculumSpec)) as Record<string, unknown>, '', true);
  return [
    '# Curriculum spec reference',
    '',
    'Generated from `schemas/spec.ts` by `npm run schemas:generate`; do not edit by hand.',
    'Unknown keys are errors. Sections marked optional are filled with the defaults shown.',
    '',
    '| field | type | required | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function errorReference(): string {
  return [
    '# Error codes',
    '',
    'Generated from `schemas/errors.ts`; do not edit by hand.',
    '',
    '| code | HTTP status | meaning |',
    '| --- | --- | --- |',
    ...Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.doc} |`),
    '',
  ].join('\n');
}

function deadLetterReference(): string {
  const required = new Set<string>(DeadLetterHeaders.required ?? []);
  return [
    '# Dead-letter records',
    '',
    'Generated from `schemas/dead-letter.ts` by `npm run schemas:generate`; do not edit by hand.',
    'The same contract as JSON Schema: `schemas/json/dead-letter.headers.json`.',
    '',
    'A message a service cannot decode (not JSON, an unknown type or schema version, a schema',
    'violation, over the size limit) is written to `<topic>.dlq` (with any topic prefix) and its',
    'offset committed: a poison message never blocks its partition. Every consumer group that reads',
    'the topic writes its own dead letter. If the broker refuses even the dead letter, the message is',
    'logged (level error, with topic, partition and offset), reported to the subscriber as not written\nand skipped. Every service counts both in\n`curriculum_consumer_dead_letters_total{group, written}` (docs/operations.md).',
    '',
    `- **key**: ${DEAD_LETTER_RECORD_DOC.key}`,
    `- **value**: ${DEAD_LETTER_RECORD_DOC.value}`,
    '- **headers**: UTF-8 strings, below. Any other header is the original message\'s own, copied unchanged.',
    '',
    '| header | always | meaning |',
    '| --- | --- | --- |',
    ...Object.values(DEAD_LETTER_HEADERS).map((h) => `| \`${h.name}\` | ${required.has(h.name) ? 'yes' : ''} | ${h.doc} |`),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  mkdirSync(join(root, 'schemas/json'), { recursive: true });
  mkdirSync(join(root, 'docs'), { recursive: true });
  const files = generatedFiles();
  for (const f of readdirSync(join(root, 'schemas/json'))) {
    if (!files.has(`schemas/json/${f}`)) rmSync(join(root, 'schemas/json', f));
  }
  for (const [path, text] of files) writeFileSync(join(root, path), text);
  console.log(`wrote ${files.size} files`);
}
