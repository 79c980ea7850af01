// Loading a curriculum spec: YAML -> schema check -> defaults -> cross-reference checks.
// All errors are collected and reported at once, each with its path, what was found and
// what was expected, and (for files) the line it is on.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { CurriculumSpec, DEFAULTED_SECTIONS, type CurriculumSpecInput, type ResolvedSpec } from './spec.ts';
import { checkBuckets, expandBuckets } from './difficulty-buckets.ts';
import { checkValue, describeValue, formatFieldError, type FieldError } from './validate.ts';
import { CurriculumError } from './errors.ts';
import { checkTextReferences, modalityOf } from './text.ts';

export interface LoadedSpec {
  spec: ResolvedSpec;
  /** Absolute path of the file, or a label for specs that did not come from a file. */
  source: string;
  /** Directory that relative paths in the spec (JSONL datasets) resolve against. */
  baseDir: string;
}

/** Reads, validates and resolves a spec file. Throws CurriculumError listing every problem. */
export function loadSpecFile(file: string): LoadedSpec {
  const source = resolve(file);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (e) {
    throw new CurriculumError('CUR_SPEC_READ', `${file}: cannot read spec file: ${(e as Error).message}`);
  }
  return { spec: parseSpecText(text, file), source, baseDir: dirname(source) };
}

/** Parses YAML text (JSON is YAML too) and validates it; `label` names the source in errors. */
export function parseSpecText(text: string, label: string): ResolvedSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${label}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${e.message.split('\n')[0]}`;
    });
    throw new CurriculumError('CUR_SPEC_YAML', `${label}: not valid YAML`, details);
  }
  const value: unknown = doc.toJS();
  const errors = validateSpecValue(value);
  if (errors.length > 0) {
    const details = errors.map((e) => {
      const line = lineOf(doc, lineCounter, e.path);
      return formatFieldError(e, line ? `${label}:${line}` : label);
    });
    throw new CurriculumError('CUR_SPEC_INVALID', `${label}: ${errors.length} problem(s) in the curriculum spec`, details, {
      cause: errors,
    });
  }
  return expandBuckets(resolveDefaults(value as CurriculumSpecInput));
}

/** Validates a spec that arrived as data (for example in a run.start event). */
export function parseSpecValue(value: unknown, label: string): ResolvedSpec {
  const errors = validateSpecValue(value);
  if (errors.length > 0) {
    throw new CurriculumError(
      'CUR_SPEC_INVALID',
      `${label}: ${errors.length} problem(s) in the curriculum spec`,
      errors.map((e) => formatFieldError(e, label)),
      { cause: errors },
    );
  }
  return expandBuckets(resolveDefaults(value as CurriculumSpecInput));
}

/** Every problem of a spec value: schema errors first, then cross-references (only when the shape is right). */
export function validateSpecValue(value: unknown): FieldError[] {
  if (value === null || value === undefined) {
    return [{ path: '', message: 'the spec is empty', found: describeValue(value), expected: 'a mapping with apiVersion, name, model, tasks and stages' }];
  }
  // Defaults first, then the check: a field with a default is optional to the user but
  // always present in the resolved spec (and in its TypeScript type).
  const resolved = resolveDefaults(value as CurriculumSpecInput);
  const schemaErrors = checkValue(CurriculumSpec, resolved);
  if (schemaErrors.length > 0) return schemaErrors;
  // Bucketed tasks are checked as the user wrote them, so every path points into their file;
  // the loader expands them into tasks and stages only once the spec is valid.
  return [...checkBuckets(resolved), ...checkReferences(resolved)];
}

export function resolveDefaults(input: CurriculumSpecInput): ResolvedSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input as ResolvedSpec;
  const withSections: Record<string, unknown> = structuredClone(input) as Record<string, unknown>;
  for (const [key, schema] of Object.entries(DEFAULTED_SECTIONS)) {
    withSections[key] = Value.Default(schema, withSections[key] ?? {});
  }
  const continual = withSections['continual'] as { enabled?: unknown; categoryRegression?: unknown } | undefined;
  // A continual run guards classes by default: a whole-task gate promotes a candidate that
  // collapses two classes while the task's mean moves inside maxRegression.
  if (continual?.enabled === true && continual.categoryRegression === undefined) continual.categoryRegression = {};
  return Value.Default(CurriculumSpec, withSections) as ResolvedSpec;
}

function checkReferences(spec: ResolvedSpec): FieldError[] {
  const errors: FieldError[] = [];
  const err = (path: string, message: string, found?: unknown, expected?: string) =>
    errors.push({ path, message, ...(found !== undefined ? { found: describeValue(found) } : {}), ...(expected ? { expected } : {}) });

  const taskIds = new Set<string>();
  spec.tasks.forEach((t, i) => {
    if (taskIds.has(t.id)) err(`tasks[${i}].id`, 'duplicate task id', t.id, 'a task id used once');
    taskIds.add(t.id);
    const g = t.generator;
    if (g.kind === 'addition' && g.minDigits > g.digits) {
      err(`tasks[${i}].generator.minDigits`, 'minDigits is above digits', g.minDigits, `at most ${g.digits}`);
    }
    if (g.kind === 'sparse-parity' && g.relevant > g.bits) {
      err(`tasks[${i}].generator.relevant`, 'more relevant bits than input bits', g.relevant, `at most bits (${g.bits})`);
    }
  });

  const modalities = new Set(spec.tasks.map((t) => t.generator.kind === 'jsonl' ? `jsonl:${t.generator.path}` : t.generator.kind));
  const kinds = new Set(spec.tasks.map((t) => modalityOf(t.generator.kind, spec.tokenizer !== undefined)));
  if (kinds.size > 1) {
    err('tasks', 'tasks mix generator kinds, but one model serves them all', [...kinds].join(', '), 'a single generator kind');
  }
  if (spec.model.kind === 'seq2seq' && !kinds.has('addition')) {
    err('model.kind', 'seq2seq models need sequence tasks', spec.model.kind, '"mlp" for these tasks');
  }
  void modalities;
  if (spec.model.kind === 'pretrained') {
    const stageIds = spec.stages.map((s) => s.id);
    for (const key of Object.keys(spec.model.unfreeze ?? {})) {
      if (!stageIds.includes(key)) err(`model.unfreeze.${key}`, 'unfreeze names a stage the spec does not have', key, `one of ${stageIds.join(', ')}`);
    }
  }
  errors.push(...checkTextReferences(spec));

  const stageIds = new Set<string>();
  const everTrained = new Set<string>();
  spec.stages.forEach((s, i) => {
    const at = `stages[${i}]`;
    if (stageIds.has(s.id)) err(`${at}.id`, 'duplicate stage id', s.id, 'a stage id used once');
    stageIds.add(s.id);
    const stageTasks = new Set<string>();
    s.tasks.forEach((id, j) => {
      if (!taskIds.has(id)) err(`${at}.tasks[${j}]`, 'unknown task id', id, `one of ${[...taskIds].join(', ')}`);
      if (stageTasks.has(id)) err(`${at}.tasks[${j}]`, 'task listed twice in the stage', id);
      stageTasks.add(id);
      everTrained.add(id);
    });
    if (s.teacher.kind === 'fixed') {
      const weights = s.teacher.weights;
      for (const key of Object.keys(weights)) {
        if (!stageTasks.has(key)) err(`${at}.teacher.weights.${key}`, 'weight for a task that is not in the stage', key, `one of ${s.tasks.join(', ')}`);
      }
      const total = Object.values(weights).reduce((a, b) => a + b, 0);
      if (total <= 0) err(`${at}.teacher.weights`, 'weights sum to zero', total, 'a positive sum');
    }
    if (s.teacher.floor * s.tasks.length > 1) {
      err(`${at}.teacher.floor`, 'floor times the number of tasks exceeds 1', s.teacher.floor, `at most ${(1 / s.tasks.length).toFixed(3)}`);
    }
    if (s.mix !== undefined && s.mix > 0 && s.teacher.floor * spec.tasks.length > 1) {
      err(`${at}.teacher.floor`, 'with mix the lesson spans every task of the curriculum, and floor times their number exceeds 1', s.teacher.floor, `at most ${(1 / spec.tasks.length).toFixed(3)}`);
    }
    const lr = s.learningRate;
    if ((lr.kind === 'cosine' || lr.kind === 'triangular') && lr.min >= lr.max) {
      err(`${at}.learningRate.min`, 'min learning rate is not below max', lr.min, `below ${lr.max}`);
    }
    s.advance.gates.forEach((g, j) => {
      const gp = `${at}.advance.gates[${j}]`;
      if (g.task !== 'each' && g.task !== 'mean' && !stageTasks.has(g.task)) {
        err(`${gp}.task`, 'gate names a task that is not in the stage', g.task, `"each", "mean" or one of ${s.tasks.join(', ')}`);
      }
      if ((g.metric === 'accuracy' || g.metric === 'ece') && (g.threshold < 0 || g.threshold > 1)) {
        err(`${gp}.threshold`, `impossible threshold for ${g.metric}`, g.threshold, 'a number in [0, 1]');
      } else if (g.metric === 'loss' && g.threshold < 0) {
        err(`${gp}.threshold`, 'impossible threshold for loss', g.threshold, 'a number >= 0');
      } else if (g.metric === 'accuracy' && g.op === '>=' && g.threshold === 1 && s.advance.confidence > 0) {
        err(`${gp}.threshold`, 'a confidence lower bound can never reach 1', g.threshold, 'a threshold below 1, or confidence 0');
      }
      if (g.suite !== 'heldout' && !spec.evaluation.suites.includes(g.suite)) {
        err(`${gp}.suite`, 'gate reads a suite that evaluation.suites does not run', g.suite, `one of ${spec.evaluation.suites.join(', ')}`);
      }
    });
    if (s.advance.minSteps > s.maxSteps) {
      err(`${at}.advance.minSteps`, 'minSteps exceeds the stage budget maxSteps', s.advance.minSteps, `at most ${s.maxSteps}`);
    }
  });
  if (!spec.evaluation.suites.includes('heldout')) {
    err('evaluation.suites', 'advancement gates read held-out results, so the heldout suite must run', spec.evaluation.suites, 'a list containing "heldout"');
  }
  const r = spec.regression;
  if (r.revertThreshold <= r.forgetThreshold) {
    err('regression.revertThreshold', 'revert threshold must be above the forget threshold', r.revertThreshold, `above ${r.forgetThreshold}`);
  }
  const iv = spec.review.intervals;
  for (let i = 1; i < iv.length; i++) {
    if ((iv[i] ?? 0) < (iv[i - 1] ?? 0)) err(`review.intervals[${i}]`, 'intervals must not shrink', iv[i], `at least ${iv[i - 1]}`);
  }
  spec.tasks.forEach((t, i) => {
    if (!everTrained.has(t.id)) err(`tasks[${i}].id`, 'task is not used by any stage', t.id, 'every task listed in some stage');
  });
  return errors;
}

/** The 1-based line of the node at `path` in the YAML document, if it can be found. */
function lineOf(doc: Document, counter: LineCounter, path: string): number | undefined {
  const segments = path === '' ? [] : path.split(/\.|\[|\]/).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let n = segments.length; n >= 0; n--) {
    const node = doc.getIn(segments.slice(0, n), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
