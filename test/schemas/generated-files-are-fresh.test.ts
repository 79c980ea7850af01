import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generatedFiles } from '../../schemas/generate.ts';

const root = join(import.meta.dirname, '../..');

test('committed JSON Schemas and generated docs match the TypeScript contracts', () => {
  for (const [path, expected] of generatedFiles()) {
    const file = join(root, path);
    assert.ok(existsSync(file), `${path} is missing: run npm run schemas:generate`);
    assert.equal(readFileSync(file, 'utf8'), expected, `${path} is stale: run npm run schemas:generate and commit the result`);
  }
});
