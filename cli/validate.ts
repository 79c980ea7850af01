// `curriculum validate FILE...`: every problem of every file, then a non-zero exit if any.
import { parseArgs } from 'node:util';
import { loadSpecFile } from '../schemas/spec-loader.ts';
import { isCurriculumError } from '../schemas/errors.ts';
import { formatCount } from '../report/format.ts';

export async function validateCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length === 0) {
    console.log('usage: curriculum validate FILE...\n\nChecks each curriculum spec and prints every problem with its path.');
    return values.help ? 0 : 2;
  }
  let failed = 0;
  for (const file of positionals) {
    try {
      const { spec } = loadSpecFile(file);
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
