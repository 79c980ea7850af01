// `curriculum validate FILE...`: every problem of every file, then a non-zero exit if any.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSpecFile } from '../schemas/spec-loader.ts';
import { isCurriculumError } from '../schemas/errors.ts';
import { checkSpecFiles } from '../schemas/spec-files.ts';
import { modelFileErrors, type TaskInput } from '../schemas/model-files.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { formatFieldError, type FieldError } from '../schemas/validate.ts';
import { buildTaskSet } from '../tasks/registry.ts';
import { checkTextFiles } from '../tasks/text-checks.ts';
import { measureFields } from '../tasks/difficulty-buckets.ts';
import { parseJsonl } from '../tasks/jsonl.ts';

/** What the spec's tasks feed the model; undefined when the tasks cannot be built (their own checks say why). */
function taskInputOf(spec: ResolvedSpec, baseDir: string): TaskInput | undefined {
  try {
    const { timesteps, features, vocabularySize } = buildTaskSet({ seed: spec.seed, tasks: spec.tasks, baseDir, ...(spec.tokenizer ? { tokenizer: spec.tokenizer } : {}) }).encoding;
    return vocabularySize === undefined ? { timesteps, features } : { timesteps, features, vocabularySize };
  } catch (e) {
    if (isCurriculumError(e)) return undefined;
    throw e;
  }
}
import { formatCount } from '../report/format.ts';

/**
 * Malformed rows of each readable jsonl dataset of an untokenized run, one error per row problem,
 * at the task's `path` field (a tokenized run's rows are checked by tasks/text-checks.ts).
 */
function rowProblems(spec: ResolvedSpec, baseDir: string, reported: ReadonlySet<string>): FieldError[] {
  const out: FieldError[] = [];
  spec.tasks.forEach((task, i) => {
    const path = `tasks[${i}].generator.path`;
    if (task.generator.kind !== 'jsonl' || spec.tokenizer || reported.has(path)) return;
    try {
      // As the trainer will parse it (tasks/registry.ts), so a field it accepts is not an error here.
      parseJsonl(readFileSync(resolve(baseDir, task.generator.path), 'utf8'), task.generator.path, { extraFields: measureFields(task.buckets?.by) });
    } catch (e) {
      if (!isCurriculumError(e)) throw e;
      for (const detail of e.details.length > 0 ? e.details : [e.message]) out.push({ path, message: detail });
    }
  });
  return out;
}

export async function validateCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length === 0) {
    console.log('usage: curriculum validate FILE...\n\nChecks each curriculum spec, and the data files it names, and prints every problem with its path.');
    return values.help ? 0 : 2;
  }
  let failed = 0;
  for (const file of positionals) {
    try {
      const { spec, baseDir } = loadSpecFile(file);
      // The spec is sound; now what its files reveal (a run would otherwise fail on them later).
      const fileProblems = checkSpecFiles(spec, baseDir);
      const problems = [
        ...fileProblems,
        ...rowProblems(spec, baseDir, new Set(fileProblems.map((p) => p.path))),
        ...checkTextFiles(spec, baseDir),
        ...modelFileErrors(spec, baseDir, () => taskInputOf(spec, baseDir)),
      ];
      if (problems.length > 0) {
        failed++;
        console.log(`FAIL  ${file}`);
        console.log(problems.map((p) => `  - ${formatFieldError(p, file)}`).join('\n'));
        continue;
      }
      console.log(`ok    ${file} (${formatCount(spec.tasks.length, 'task')}, ${formatCount(spec.stages.length, 'stage')})`);
    } catch (e) {
      if (!isCurriculumError(e)) throw e;
      failed++;
      console.log(`FAIL  ${file}`);
      console.log(e.details.length > 0 ? e.details.map((d) => `  - ${d}`).join('\n') : `  - ${e.message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}
