// Locates the external tools the observability and deploy tests run (promtool, prometheus,
// helm, kubeconform). A missing tool skips the test with the reason, except under CI=true,
// where it fails: CI installs every tool, so a missing one there is a broken pipeline.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

export function findTool(name: string): string | undefined {
  const dirs = [join(REPO_ROOT, '.tools', 'bin'), '/usr/bin', '/usr/local/bin', ...(process.env.PATH ?? '').split(delimiter)];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** Returns the tool's path, or skips the test (fails under CI=true) when it is absent. */
export function requireTool(t: TestContext, name: string, hint: string): string | undefined {
  const path = findTool(name);
  if (path !== undefined) return path;
  const reason = `${name} not found (looked in .tools/bin and PATH); ${hint}`;
  if (process.env.CI === 'true') assert.fail(`CI=true and ${reason}`);
  t.skip(reason);
  return undefined;
}
