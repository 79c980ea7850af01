// The `curriculum` command line. Each subcommand lives in its own file; this one only routes.
import { describeForUser, wantsStackTraces } from './errors-to-user.ts';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: { summary: 'check spec files and print every problem', load: async () => (await import('./validate.ts')).validateCommand },
  run: { summary: 'run a curriculum in one process (embedded: no Kafka, no Redis)', load: async () => (await import('./run.ts')).runCommand },
  compare: { summary: 'compare finished runs side by side', load: async () => (await import('./compare.ts')).compareCommand },
  report: { summary: 'the HTML report of a run directory, or of a distributed run recorded from Kafka', load: async () => (await import('./report.ts')).reportCommand },
  controller: { summary: 'run the controller service (Kafka + Redis)', load: async () => (await import('./services.ts')).controllerCommand },
  trainer: { summary: 'run the trainer service (Kafka)', load: async () => (await import('./services.ts')).trainerCommand },
  evaluator: { summary: 'run the evaluator service (Kafka)', load: async () => (await import('./services.ts')).evaluatorCommand },
  action: { summary: 'an operator action on a run of a running controller: action RUN_ID ACTION', load: async () => (await import('./action.ts')).actionCommand },
  score: { summary: 'add a trained model\'s loss to every row of a JSONL file (difficulty buckets by loss)', load: async () => (await import('./score.ts')).scoreCommand },
  feedback: { summary: 'send production feedback: feedback send FILE.jsonl', load: async () => (await import('./feedback.ts')).feedbackCommand },
};

const SERVICES: ReadonlySet<string> = new Set(['controller', 'trainer', 'evaluator']);

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: curriculum <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'curriculum <command> --help shows the options of a command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command(rest);
  } catch (e) {
    // The services take their settings from the environment, not from flags.
    const debugHint = SERVICES.has(name) ? 'CURRICULUM_LOG_LEVEL=debug' : '--log-level debug';
    const { text, exitCode } = describeForUser(e, { stackTraces: wantsStackTraces(rest), debugHint });
    console.error(text);
    return exitCode;
  }
}
