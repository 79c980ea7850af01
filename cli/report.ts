// `curriculum report`: the HTML report of a run.
//
//   curriculum report RUN_DIR                  (re)render RUN_DIR/report.html from a run directory
//   curriculum report --run RUN_ID [--out DIR] record a distributed run from Kafka, then render it
//
// A distributed run (TypeScript services, or a trainer of the Python client) has no run
// directory: its events are on the topics. The recorder the embedded runtime uses is just a
// consumer of those topics, so here it reads them from the beginning, under a consumer group of
// its own, into a run directory, and the report is rendered from that: the same report, charts
// and summary an embedded run gets, computed from the same files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadServiceConfig } from '../config/service-config.ts';
import { KafkaBus } from '../transport/kafka/index.ts';
import { createServiceLogger } from '../observability/logger.ts';
import { RunRecorder } from '../embedded/run-recorder.ts';
import { RUN_DIR_FILES } from '../report/run-dir-files.ts';
import { writeReport } from '../report/render-report.ts';
import { statusFromDecisions } from '../report/derive-summary.ts';
import { readRunDir } from '../report/read-run-dir.ts';
import { parseSpecValue } from '../schemas/spec-loader.ts';
import { CurriculumError } from '../schemas/errors.ts';
import type { AnyEvent } from '../schemas/events.ts';

const USAGE = `usage: curriculum report RUN_DIR
       curriculum report --run RUN_ID [--out DIR] [--timeout SECONDS] [--no-wait]

The first form renders RUN_DIR/report.html from a run directory (what \`curriculum run\` leaves).
The second records a distributed run from Kafka into DIR (default runs/RUN_ID): its spec, decisions,
metrics and lessons, read from the beginning of the topics. It waits until the run has ended and
every topic is read to its end (at most --timeout seconds, default 600; --no-wait: what is there
now), then renders the report. Kafka is configured as for the services (CURRICULUM_KAFKA_*).`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      run: { type: 'string' },
      out: { type: 'string' },
      timeout: { type: 'string', default: '600' },
      'no-wait': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const timeoutSeconds = Number(values.timeout);
  const wellFormed = values.run !== undefined ? positionals.length === 0 : positionals.length === 1 && values.out === undefined;
  if (values.help || !wellFormed || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    if (!values.help && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) console.error(`--timeout takes a positive number of seconds, not "${values.timeout}"`);
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.run === undefined) {
    const runDir = resolve(positionals[0] ?? '');
    if (!existsSync(runDir)) throw new CurriculumError('CUR_RUN_DIR_INVALID', `${runDir}: no such run directory`);
    console.log(`report: ${writeReport(runDir)}`);
    return 0;
  }
  const runDir = resolve(values.out ?? join('runs', values.run));
  const recorded = await recordFromKafka(values.run, runDir, { timeoutMs: timeoutSeconds * 1000, wait: !values['no-wait'] });
  const status = statusFromDecisions(readRunDir(runDir).decisions);
  console.log(`run ${values.run}: ${status}, ${recorded.decisions} decisions, ${recorded.events} events recorded into ${runDir}`);
  if (!recorded.caughtUp) console.error(`the run had not ended after ${timeoutSeconds} s: the report shows it so far`);
  console.log(`report: ${writeReport(runDir)}`);
  return recorded.caughtUp || !recorded.waited ? 0 : 1;
}

interface Recorded {
  decisions: number;
  events: number;
  /** The run ended and every topic was read to the end it had then. */
  caughtUp: boolean;
  waited: boolean;
}

async function recordFromKafka(runId: string, runDir: string, options: { timeoutMs: number; wait: boolean }): Promise<Recorded> {
  const config = loadServiceConfig(process.env, { needsRedis: false });
  // A command's output is its lines; the recorder's logs only when asked for (CURRICULUM_LOG_LEVEL).
  const logger = createServiceLogger({ service: 'report', level: process.env.CURRICULUM_LOG_LEVEL === undefined ? 'warn' : config.logLevel });
  mkdirSync(runDir, { recursive: true });
  let decisions = 0;
  let events = 0;
  let ended = false;
  let specSeen = false;
  const onEvent = (event: AnyEvent): void => {
    events++;
    if (event.type === 'run.start' && !specSeen) {
      specSeen = true;
      writeSpec(runDir, event.payload.spec, event.payload.specSource ?? `run.start of ${runId}`);
    }
    if (event.type === 'decision') {
      decisions++;
      if (statusFromDecisions([event]) !== 'running') ended = true;
    }
  };
  const bus = await KafkaBus.connect(config.kafka, { logger });
  // A group of its own, new each time: it reads every retained event and disturbs no service.
  const recorder = new RunRecorder(bus, runDir, runId, onEvent, { groupId: `${config.kafka.topicPrefix}curriculum-report-${runId}-${randomUUID().slice(0, 8)}`, withControl: true });
  const deadline = Date.now() + options.timeoutMs;
  let caughtUp = false;
  try {
    await recorder.start();
    // The run has ended and the group's commits reached each partition's end: every event of
    // the run is in the files (the decision that ended it may arrive before the last metrics).
    for (;;) {
      if ((ended || !options.wait) && (await readToTheEnd(bus, recorder))) {
        caughtUp = ended;
        break;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await recorder.stop();
    await bus.close();
    logger.flush();
  }
  if (!specSeen) throw new CurriculumError('CUR_RUN_UNKNOWN', `no run.start for run "${runId}" on the control topic (is the run id right, the topic prefix the controller's, the event still retained?)`);
  inProductionOrder(join(runDir, RUN_DIR_FILES.metrics));
  return { decisions, events, caughtUp, waited: options.wait };
}

async function readToTheEnd(bus: KafkaBus, recorder: RunRecorder): Promise<boolean> {
  const [ends, committed] = await Promise.all([bus.endOffsets(recorder.topics), bus.committedOffsets(recorder.groupId, recorder.topics)]);
  const position = new Map(committed.map((o) => [`${o.topic}/${o.partition}`, BigInt(o.offset)]));
  return ends.every((end) => BigInt(end.offset) === 0n || (position.get(`${end.topic}/${end.partition}`) ?? -1n) >= BigInt(end.offset));
}

function writeSpec(runDir: string, spec: unknown, label: string): void {
  // The spec as the controller received it (the file's text is not on the bus), and resolved.
  writeFileSync(join(runDir, RUN_DIR_FILES.specYaml), stringify(spec));
  writeFileSync(join(runDir, RUN_DIR_FILES.specResolved), `${JSON.stringify(parseSpecValue(spec, label), null, 2)}\n`);
}

/**
 * metrics.jsonl is read in arrival order (an evaluation's samples are the training windows that
 * arrived before it). Read back from the start, the trainer's and the evaluator's topics arrive
 * in whatever order the consumer fetched them, one topic's backlog before the other's; the order
 * the services produced them in is the order a live recorder would have seen.
 */
function inProductionOrder(path: string): void {
  if (!existsSync(path)) return;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const at = (line: string): number => Date.parse((JSON.parse(line) as { producedAt: string }).producedAt);
  const sorted = lines.map((line, i) => ({ line, i, t: at(line) })).sort((a, b) => a.t - b.t || a.i - b.i);
  writeFileSync(path, sorted.map((s) => `${s.line}\n`).join(''));
}
