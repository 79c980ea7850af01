// `curriculum run SPEC` / `curriculum run --resume RUN_DIR`: the embedded default.
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pino from 'pino';
import { runEmbedded } from '../embedded/run-embedded.ts';
import type { BackendName } from '../schemas/common.ts';
import { LiveView } from './live-view.ts';
import { BASELINES, runBaseline, type BaselineName } from './baseline.ts';
import { createRunTelemetry, startRunHttp, type RunHttp } from './run-http.ts';
import { chainHooks } from '../controller/runtime/metrics-hooks.ts';
import { loadSpecFile } from '../schemas/spec-loader.ts';
import { readResumableRunDir } from '../embedded/resumable-run.ts';

const HELP = `usage: curriculum run SPEC.yaml [options]
       curriculum run --resume RUN_DIR [options]

Runs controller, trainer and evaluator in one process (no Kafka, no Redis).

options:
  --runs-dir DIR      where run directories go (default: runs)
  --run-id ID         name the run (default: <spec name>-<UTC time>)
  --resume RUN_DIR    continue an interrupted run from its last snapshot and checkpoint
  --port N            serve /metrics and the HTTP API on this port (default 9400; 0: any free port)
  --no-http           do not serve HTTP
  --backend NAME      auto | tensorflow-gpu | tensorflow | wasm | cpu (default: the spec's)
  --log-level LEVEL   trace | debug | info | warn | error (default info); logs go to RUNS_DIR/curriculum.log
                      (one file for every run; each line names its runId); debug also prints stack traces
  --plain             plain log lines instead of the live view, even on a terminal
  --baseline uniform  then train the same model, tasks, seed and budget by uniform sampling, and
                      report the samples each needed to reach the last stage's gates (their ratio)
`;

const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'runs-dir': { type: 'string', default: 'runs' },
      'run-id': { type: 'string' },
      resume: { type: 'string' },
      port: { type: 'string', default: '9400' },
      'no-http': { type: 'boolean', default: false },
      backend: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      plain: { type: 'boolean', default: false },
      baseline: { type: 'string' },
    },
  });
  if (values.help || (positionals.length === 0 && !values.resume)) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const backend = values.backend;
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
    console.error(`--backend: unknown backend "${backend}" (expected one of ${BACKENDS.join(', ')})`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port: expected a port number, found "${values.port}"`);
    return 2;
  }
  const baseline = values.baseline;
  if (baseline !== undefined && !(BASELINES as readonly string[]).includes(baseline)) {
    console.error(`--baseline: unknown baseline "${baseline}" (expected one of ${BASELINES.join(', ')})`);
    return 2;
  }
  if (baseline !== undefined && values.resume) {
    console.error('--baseline: compares a new run with its baseline; it does not combine with --resume');
    return 2;
  }
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  if (!levels.includes(values['log-level'])) {
    console.error(`--log-level: expected one of ${levels.join(', ')}`);
    return 2;
  }

  // Validate before anything starts, so a bad spec or a wrong folder costs nothing.
  const spec = values.resume ? readResumableRunDir(values.resume).spec : loadSpecFile(positionals[0] as string).spec;

  const runsDir = resolve(values['runs-dir']);
  mkdirSync(runsDir, { recursive: true });
  const logFile = join(runsDir, 'curriculum.log');
  const logger = pino({ level: values['log-level'] }, pino.destination({ dest: logFile, sync: false, mkdir: true }));
  const interactive = Boolean(process.stdout.isTTY) && !values.plain;
  const view = new LiveView({ out: process.stdout, interactive, maxSteps: spec.training.maxSteps });

  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    // Through the view: a line written under a redrawn panel would be drawn over, or copied.
    view.note('stopping at the next event boundary (Ctrl-C again to force)...');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  let http: RunHttp | undefined;
  const telemetry = createRunTelemetry();
  try {
    const result = await runEmbedded({
      ...(values.resume ? { resumeDir: values.resume } : { specFile: positionals[0] as string }),
      runsDir,
      ...(values['run-id'] ? { runId: values['run-id'] } : {}),
      logger,
      ...(backend ? { backend: backend as BackendName } : {}),
      signal: abort.signal,
      onEvent: (e) => {
        view.onEvent(e);
        telemetry.observe(e);
      },
      hooks: chainHooks({ onTransition: (v) => view.onView(v) }, telemetry.hooks),
      onStarted: async ({ controller, runDir, runId, backend: used, device, version }) => {
        if (!values['no-http']) http = await startRunHttp({ controller, telemetry, port, logger, backend: used, device, version, runDir });
        const address = http ? `http://${http.address}` : '';
        process.stdout.write(`run ${runId} -> ${runDir}\n${address ? `metrics and API on ${address}/metrics  ${address}/api/runs  (operator token: ${http?.tokenWhere ?? ''})\n` : ''}logs: ${logFile}\n`);
        const v = await controller.view(runId);
        if (v) view.onView(v);
        view.start(address);
      },
    });
    view.stop();
    if (result.outcome === 'interrupted') {
      // The step the panel showed, not the controller's last recorded one: the trainer finishes
      // its lesson after Ctrl-C, and a resumed run picks that lesson up from its checkpoint.
      process.stdout.write(`\ninterrupted at step ${view.step()}; continue from there with:\n  curriculum run --resume ${result.runDir}\n`);
      return 130;
    }
    const v = result.view;
    process.stdout.write(
      [
        '',
        `run ${v.runId} ${v.state} after ${v.step} steps in ${result.wallSeconds.toFixed(0)} s (backend ${result.backend} on ${result.device})`,
        `stages: ${v.stages.map((s) => `${s.id}${s.outcome ? ` (${s.outcome})` : ''}`).join(' -> ')}`,
        `held-out accuracy: ${Object.entries(v.heldout).map(([t, a]) => `${t} ${(a * 100).toFixed(1)}%`).join(', ')}`,
        `reviews ${v.reviews}, reverts ${v.reverts}, decisions ${v.decisionsCount}`,
        `average accuracy ${fmt(v.continualLearning.averageAccuracy)}, backward transfer ${fmt(v.continualLearning.backwardTransfer)}, forward transfer ${fmt(v.continualLearning.forwardTransfer)}`,
        `report: ${join(result.runDir, 'report.html')}`,
        '',
      ].join('\n'),
    );
    if (v.state === 'failed' || baseline === undefined) return v.state === 'failed' ? 1 : 0;
    const compared = await runBaseline({
      baseline: baseline as BaselineName,
      spec,
      baseDir: dirname(resolve(positionals[0] as string)),
      runDir: result.runDir,
      runId: result.runId,
      runsDir,
      logger,
      ...(backend ? { backend: backend as BackendName } : {}),
      signal: abort.signal,
      out: process.stdout,
      interactive,
    });
    if (compared.outcome === 'interrupted') {
      process.stdout.write(`\nthe uniform baseline was interrupted; the curriculum run is complete in ${result.runDir}\n`);
      return 130;
    }
    process.stdout.write(`\nagainst uniform sampling: ${compared.sentence}\nreport: ${join(result.runDir, 'report.html')}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await http?.close();
    logger.flush();
  }
}

function fmt(x: number | null): string {
  return x === null ? '-' : x.toFixed(3);
}
