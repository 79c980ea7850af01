// `curriculum validate FILE...`: every problem of every file, then a non-zero exit if any.
import { parseArgs } from 'node:util';
import { loadSpecFile } from '../schemas/spec-loader.ts';
import { isCurriculumError } from '../schemas/errors.ts';
import { checkSpecFiles } from '../schemas/spec-files.ts';
import { modelFileErrors, type TaskInput } from '../schemas/model-files.ts';
import type { ResolvedSpec } from '../schemas/spec.ts';
import { formatFieldError } from '../schemas/validate.ts';
import { buildTaskSet } from '../tasks/registry.ts';
import { checkTextFiles } from '../tasks/text-checks.ts';

/** What the spec's tasks feed the model; undefined when the tasks cannot be built (their own checks say why). */
function taskInputOf(spec: ResolvedSpec, baseDir: string): TaskInput | undefined {
  try {
    const { timesteps, features } = buildTaskSet({ seed: spec.seed, tasks: spec.tasks, baseDir }).encoding;
    return { timesteps, features };
  } catch (e) {
    if (isCurriculumError(e)) return undefined;
    throw e;
  }
}
import { formatCount } from '../report/format.ts';

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
      const problems = [...checkSpecFiles(spec, baseDir), ...checkTextFiles(spec, baseDir), ...modelFileErrors(spec, baseDir, () => taskInputOf(spec, baseDir))];
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
