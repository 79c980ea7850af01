// Parsed run.start specs, by content. Validating and defaulting a spec (TypeBox) costs far more
// than creating the run, and a fleet of runs usually shares a handful of specs, so each distinct
// spec is parsed once. Runs created from one entry share the resolved spec object, which is
// deep-frozen: the core never writes to a spec, and sharing must not let anything start to.
import type { Logger } from 'pino';
import { parseSpecValue } from '../../schemas/spec-loader.ts';
import type { ResolvedSpec } from '../../schemas/spec.ts';
import { isCurriculumError } from '../../schemas/errors.ts';

const MAX_ENTRIES = 64;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class SpecCache {
  private readonly entries = new Map<string, ResolvedSpec>();

  /** The resolved spec of a run.start payload, or undefined (logged) when it is invalid. */
  parse(spec: unknown, specSource: string | undefined, runId: string, log: Logger): ResolvedSpec | undefined {
    // By content, not by object: a caller may reuse and change one spec object between runs.
    // The label only names the source in error messages, so it is not part of the key.
    const key = JSON.stringify(spec) ?? 'undefined';
    const hit = this.entries.get(key);
    if (hit) return hit;
    let resolved: ResolvedSpec;
    try {
      resolved = deepFreeze(parseSpecValue(spec, specSource ?? `run ${runId}`));
    } catch (e) {
      if (!isCurriculumError(e)) throw e;
      log.error({ runId, details: e.details }, 'run.start carried an invalid spec; run not created');
      return undefined;
    }
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, resolved);
    return resolved;
  }
}
