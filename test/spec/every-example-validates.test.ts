import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFile } from '../../schemas/spec-loader.ts';
import { CurriculumError } from '../../schemas/errors.ts';

const examples = join(import.meta.dirname, '../../examples');

for (const file of readdirSync(examples).filter((f) => f.endsWith('.yaml'))) {
  test(`example ${file} validates`, () => {
    try {
      const { spec } = loadSpecFile(join(examples, file));
      assert.ok(spec.stages.length >= 1);
    } catch (e) {
      if (e instanceof CurriculumError) assert.fail(e.describe());
      throw e;
    }
  });
}

test('errors point at the line of the offending field', () => {
  const file = join(import.meta.dirname, 'fixtures/bad-gate.yaml');
  assert.throws(
    () => loadSpecFile(file),
    (e: unknown) =>
      e instanceof CurriculumError &&
      e.details.some((d) => /bad-gate\.yaml:20: stages\[0\]\.advance\.gates\[0\]\.metric: not an allowed value/.test(d)),
  );
});
