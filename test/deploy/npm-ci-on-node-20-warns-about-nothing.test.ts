// `npm ci` on Node 20 warns about nothing: every locked package's `engines.node` admits the
// oldest Node the project's `engines` allows (and the Node running this test), so no
// EBADENGINE; every package with an install script has an explicit allowScripts decision, so
// npm 11 lists none as "not yet covered by allowScripts".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[]; hasInstallScript?: boolean }>;
};

type Version = [number, number, number];

function parseVersion(v: string): Version {
  const [major = 0, minor = 0, patch = 0] = v.replace(/^v/, '').split('.').map((x) => Number.parseInt(x, 10) || 0);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** One comparator of a node-semver range, as the lockfile's engines fields use them. */
function satisfiesComparator(v: Version, comparator: string): boolean {
  const m = /^(>=|<=|>|<|\^|~|=)?\s*v?([0-9x*]+)(?:\.([0-9x*]+))?(?:\.([0-9x*]+))?$/.exec(comparator);
  assert.ok(m, `unparsed engines comparator "${comparator}"`);
  const [, op = '', ma = '*', mi, pa] = m;
  const wild = (p: string | undefined) => p === undefined || p === 'x' || p === '*';
  if (wild(ma)) return true;
  const floor: Version = [Number(ma), wild(mi) ? 0 : Number(mi), wild(pa) ? 0 : Number(pa)];
  const c = compare(v, floor);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '^':
      return c >= 0 && (floor[0] !== 0 ? v[0] === floor[0] : v[1] === floor[1]);
    case '~':
      return c >= 0 && v[0] === floor[0] && v[1] === floor[1];
    default:
      // A bare or x-range version: the parts given must match.
      return v[0] === floor[0] && (wild(mi) || v[1] === floor[1]) && (wild(pa) || v[2] === floor[2]);
  }
}

export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((set) => {
    const parts = set.trim().replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return parts.length === 0 || parts.every((p) => satisfiesComparator(v, p));
  });
}

test('the range checker reads node-semver ranges as npm does', () => {
  assert.ok(satisfies('20.19.0', '^20.19.0 || ^22.13.0 || >=24'));
  assert.ok(!satisfies('20.0.0', '^20.19.0 || ^22.13.0 || >=24'));
  assert.ok(!satisfies('20.19.0', '>=22'));
  assert.ok(satisfies('20.19.0', '6.* || 8.* || >= 10.*'));
  assert.ok(satisfies('20.19.0', '18 || 20 || >=22'));
  assert.ok(!satisfies('21.0.0', '18 || 20 || >=22'));
  assert.ok(satisfies('20.19.0', '^12.22.0 || ^14.17.0 || >=16.0.0'));
  assert.ok(!satisfies('20.19.0', '^18.0.0'));
});

test('every locked package supports the oldest Node the project allows, and this one: no EBADENGINE', () => {
  const floor = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node)?.[1];
  assert.ok(floor, `engines.node "${pkg.engines.node}" is a plain lower bound`);
  const refusals: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (path === '' || range === undefined) continue;
    for (const node of [floor, process.version]) {
      if (!satisfies(node, range)) refusals.push(`${path}@${entry.version ?? '?'} wants node ${range}, refuses ${node}`);
    }
  }
  assert.deepEqual(refusals, []);
});

test('every dependency with an install script has an allowScripts decision', () => {
  const scripted = Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(scripted.length > 0, 'the lockfile records install scripts');
  const decided = new Set(Object.keys(pkg.allowScripts ?? {}).map((k) => k.replace(/(.)@.*$/, '$1')));
  assert.deepEqual(scripted.filter((name) => !decided.has(name)), []);
});
