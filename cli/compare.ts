// `curriculum compare RUN_DIR...`: finished runs side by side, for ablations.
import { parseArgs } from 'node:util';
import { compareRuns } from '../report/compare.ts';

export async function compareCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length === 0) {
    console.log('usage: curriculum compare RUN_DIR...\n\nPrints samples to each milestone and final metrics of each run side by side.');
    return values.help ? 0 : 2;
  }
  console.log(compareRuns(positionals));
  return 0;
}
