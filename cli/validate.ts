// `curriculum validate FILE...`: every problem of every file, then a non-zero exit if any.
import { parseArgs } from 'node:util';
import { loadSpecFile } from '../schemas/spec-loader.ts';
import { CurriculumError, isCurriculumError } from '../schemas/errors.ts';
import { formatFieldError } from '../schemas/validate.ts';
import { checkTextFiles } from '../tasks/text-checks.ts';

export async function validateCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length === 0) {
    console.log('usage: curriculum validate FILE...\n\nChecks each curriculum spec and prints every problem with its path.');
    return values.help ? 0 : 2;
  }
  let failed = 0;
  for (const file of positionals) {
    try {
      const { spec, baseDir } = loadSpecFile(file);
      const fileErrors = checkTextFiles(spec, baseDir);
      if (fileErrors.length > 0) {
        throw new CurriculumError('CUR_SPEC_INVALID', `${file}: ${fileErrors.length} problem(s) in the files of the spec`, fileErrors.map((e) => formatFieldError(e, file)));
      }
      console.log(`ok    ${file} (${spec.tasks.length} tasks, ${spec.stages.length} stages)`);
    } catch (e) {
      if (!isCurriculumError(e)) throw e;
      failed++;
      console.log(`FAIL  ${file}`);
      console.log(e.details.length > 0 ? e.details.map((d) => `  - ${d}`).join('\n') : `  - ${e.message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}
