#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (Node 20 has no glob support in --test).
// Usage: node scripts/run-tests.mjs [filter ...]   (filters are substrings of the test path)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return walk(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
const onlyPython = filters.length > 0 && filters.every((s) => s.startsWith('clients/python'));
if (files.length === 0 && !onlyPython) {
  console.error('no test files matched');
  process.exit(1);
}
// --test-force-exit: a test file whose tests all finished must not hold the run hostage to a
// handle a client library left open (kafkajs after a broker restart did, once, in CI).
const run = (list, env = process.env) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', '--test-force-exit', ...list],
    { cwd: root, stdio: 'inherit', env },
  ).status ?? 1;

const status = files.length > 0 ? run(files) : 0;

// The trainer and evaluator tests run on wasm above and once more on the native TensorFlow
// backend: the files that take their backend from testBackend() (test/trainer/fixtures.ts, which
// reads CURRICULUM_TEST_BACKEND); files that choose backends themselves or use none are not
// repeated. CURRICULUM_TEST_NATIVE=0 turns the pass off; without `npm run setup:native` it is
// skipped with a note, except in CI, where it fails.
const nativePass = files.filter((f) => /^test\/(trainer|evaluator)\//.test(f) && readFileSync(join(root, f), 'utf8').includes('testBackend()'));
let nativeStatus = 0;
if (nativePass.length > 0 && process.env.CURRICULUM_TEST_NATIVE !== '0') {
  if (existsSync(join(root, '.native', 'cpu', '.installed'))) {
    console.error(`\n# the trainer and evaluator tests again on the native backend (CURRICULUM_TEST_BACKEND=tensorflow): ${nativePass.length} files`);
    nativeStatus = run(nativePass, { ...process.env, CURRICULUM_TEST_BACKEND: 'tensorflow' });
  } else if (process.env.CI === 'true') {
    console.error('\n# not ok: the native backend is not installed (.native/cpu); .ci/run installs it with `npm run setup:native`');
    nativeStatus = 1;
  } else {
    console.error('\n# note: the trainer and evaluator tests ran on wasm only; `npm run setup:native` adds the tensorflow pass');
  }
}

// The Python client's suite (clients/python/tests: pytest, against the same real Kafka and Redis)
// runs in the venv clients/python/setup-env.sh builds (.ci/run calls it). With filters it runs
// only when one names clients/python; CURRICULUM_TEST_PYTHON=0 turns it off; without the venv
// it is skipped with a note, except in CI, where it fails.
let pythonStatus = 0;
const pythonWanted = filters.length === 0 || filters.some((s) => s.startsWith('clients/python'));
const venvPython = join(root, '.tools', 'python-venv', 'bin', 'python');
if (pythonWanted && process.env.CURRICULUM_TEST_PYTHON !== '0') {
  if (existsSync(venvPython)) {
    console.error('\n# the Python client tests (pytest clients/python/tests)');
    pythonStatus = spawnSync(venvPython, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'clients/python/tests'], { cwd: root, stdio: 'inherit' }).status ?? 1;
  } else if (process.env.CI === 'true') {
    console.error('\n# not ok: the Python venv is missing (.tools/python-venv); .ci/run builds it with clients/python/setup-env.sh');
    pythonStatus = 1;
  } else {
    console.error('\n# note: the Python client tests were skipped; `bash clients/python/setup-env.sh` builds their venv');
  }
}
process.exit([status, nativeStatus, pythonStatus].find((s) => s !== 0) ?? 0);
