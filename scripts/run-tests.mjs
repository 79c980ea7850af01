#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (Node 20 has no glob support in --test).
// Usage: node scripts/run-tests.mjs [filter ...]   (filters are substrings of the test path)
//
// Two streams run at once, because most of the time of the service-bound files is spent waiting
// on a broker or a restart while the rest is CPU-bound training:
//   services  files that reach Kafka or Redis (they import test/support/service-gate.ts, directly
//             or through a helper), one at a time: they share one broker, one Redis, and some
//             restart them;
//   local     every other file, as many at a time as the cores allow beside the services stream.
// Each output line is prefixed with its stream's name. Then the trainer and evaluator files run
// once more on the native backend, and last the Python client's suite.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

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

// A file is service-bound when it, or a helper of the test tree it imports, imports the service gate.
const SERVICE_GATE = resolve(root, 'test/support/service-gate.ts');
const reaches = new Map();
function reachesServices(file) {
  if (file === SERVICE_GATE) return true;
  if (reaches.has(file)) return reaches.get(file);
  reaches.set(file, false); // an import cycle ends here
  const source = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const local = [...source.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => resolve(dirname(file), m[1]));
  const result = local.some((f) => f.startsWith(join(root, 'test')) && reachesServices(f));
  reaches.set(file, result);
  return result;
}

// --test-force-exit: a test file whose tests all finished must not hold the run hostage to a
// handle a client library left open (kafkajs after a broker restart did, once, in CI).
function run(name, list, concurrency, env = process.env) {
  if (list.length === 0) return Promise.resolve(0);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', '--test-force-exit', ...list],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  // Whole lines only, so two streams never split each other's lines.
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${name}| ${line}\n`));
  return new Promise((done) => child.on('close', (code) => done(code ?? 1)));
}

const services = files.filter((f) => reachesServices(resolve(root, f)));
const local = files.filter((f) => !services.includes(f));
const cores = availableParallelism();
const started = Date.now();
console.error(`# ${local.length} local files (${Math.max(1, cores - 1)} at a time) beside ${services.length} service-bound files (one at a time)`);
const [localStatus, serviceStatus] = await Promise.all([run('local', local, Math.max(1, cores - 1)), run('services', services, 1)]);

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
    nativeStatus = await run('native', nativePass, cores, { ...process.env, CURRICULUM_TEST_BACKEND: 'tensorflow' });
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
const statuses = { local: localStatus, services: serviceStatus, native: nativeStatus, python: pythonStatus };
const failed = Object.entries(statuses).filter(([, s]) => s !== 0).map(([name]) => name);
console.error(`\n# ${failed.length === 0 ? 'all streams passed' : `failed: ${failed.join(', ')}`} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(failed.length === 0 ? 0 : 1);
