// A distributed run leaves no run directory: `curriculum report --run RUN_ID` records it from
// the topics and renders the report from that. What it records is the run's decision log as
// the decisions topic holds it, its metrics and lessons; the report draws the same charts an
// embedded run's report does, from those files.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readRunDir } from '../../report/read-run-dir.ts';
import { deriveRunSummary } from '../../report/derive-summary.ts';
import { KAFKA, REDIS, serviceTest } from '../support/service-gate.ts';
import { REPO_ROOT, bounded, normalized, referenceRun, runStartEvent, scenario, serviceEnv, startInProcessController } from './harness.ts';

const exec = promisify(execFile);

serviceTest(
  'curriculum report --run records a distributed run from Kafka and renders its report',
  { env: [...KAFKA.env, ...REDIS.env], hint: KAFKA.hint },
  async () => {
    const ref = await referenceRun();
    const s = await scenario('report');
    const runId = 'run-report';
    let controller: Awaited<ReturnType<typeof startInProcessController>> | undefined;
    try {
      await s.startExecutors();
      controller = await startInProcessController(s.iso);
      await s.bus.publish([runStartEvent(runId)]);
      // Started while the run is still going: it waits for the run's end and the topics' ends.
      const out = join(mkdtempSync(join(tmpdir(), 'curriculum-report-')), runId);
      const { stdout } = await exec(process.execPath, ['bin/curriculum.mjs', 'report', '--run', runId, '--out', out, '--timeout', '180'], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...serviceEnv(s.iso), CURRICULUM_LOG_LEVEL: 'warn' },
        timeout: 200_000,
      });
      assert.match(stdout, new RegExp(`run ${runId}: completed, ${ref.decisions.length} decisions`), stdout);
      await s.watcher.waitForTerminal(runId);

      const data = readRunDir(out);
      assert.deepEqual(normalized(runId, data.decisions.map((d) => d.payload)), ref.decisions, 'the decision log is the run\'s, complete and in order');
      assert.deepEqual(normalized(runId, data.decisions.map((d) => d.payload)), normalized(runId, s.watcher.decisions(runId)), 'as the decisions topic holds it');
      const evaluations = data.metrics.filter((m) => m.type === 'evaluation.results').length;
      const evaluateDecisions = data.decisions.filter((d) => d.payload.kind === 'evaluate').length;
      assert.ok(evaluations >= evaluateDecisions && evaluations > 0, `every evaluation recorded (${evaluations} results, ${evaluateDecisions} evaluate decisions)`);
      assert.ok(data.lessons.length > 0, 'the lessons (sampling weights) are recorded');
      const milestones = deriveRunSummary(data).milestones;
      assert.ok(milestones.some((m) => m.samples > 0), JSON.stringify(milestones));

      const html = readFileSync(join(out, 'report.html'), 'utf8');
      const points = Number(/data-chart="heldout-accuracy" data-points="(\d+)"/.exec(html)?.[1] ?? 0);
      assert.ok(points > 0, 'the held-out accuracy chart has points');
      assert.match(html, /data-chart="decision-log"/);
      assert.match(html, /status-completed/);

      // Recorded after the end, the topics' backlogs are read one after another (the evaluator's
      // can come before the trainer's): the metrics are put back in the order they were produced,
      // so each evaluation counts the training samples before it, as in the live recording.
      const late = join(mkdtempSync(join(tmpdir(), 'curriculum-report-late-')), runId);
      await exec(process.execPath, ['bin/curriculum.mjs', 'report', '--run', runId, '--out', late], { cwd: REPO_ROOT, env: { ...process.env, ...serviceEnv(s.iso), CURRICULUM_LOG_LEVEL: 'warn' }, timeout: 120_000 });
      assert.deepEqual(deriveRunSummary(readRunDir(late)).milestones, milestones, 'the same milestones, at the same samples');

      // Run again into the same folder: nothing is written twice.
      await exec(process.execPath, ['bin/curriculum.mjs', 'report', '--run', runId, '--out', out], { cwd: REPO_ROOT, env: { ...process.env, ...serviceEnv(s.iso), CURRICULUM_LOG_LEVEL: 'warn' }, timeout: 120_000 });
      assert.equal(readRunDir(out).decisions.length, data.decisions.length, 'a second recording adds no line');
      // And the folder is a run directory like any other: the report renders from it alone.
      const again = await exec(process.execPath, ['bin/curriculum.mjs', 'report', out], { cwd: REPO_ROOT, timeout: 60_000 });
      assert.equal(again.stdout.trim(), `report: ${join(out, 'report.html')}`);
    } finally {
      await bounded('stopping the controller', controller?.stop());
      await s.close();
    }
  },
  { timeout: 300_000 },
);

serviceTest(
  'curriculum report --run names a run that is not on the bus',
  { env: [...KAFKA.env], hint: KAFKA.hint },
  async () => {
    const s = await scenario('report-unknown');
    try {
      const out = mkdtempSync(join(tmpdir(), 'curriculum-report-unknown-'));
      const failed = await exec(process.execPath, ['bin/curriculum.mjs', 'report', '--run', 'no-such-run', '--out', out, '--no-wait'], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...serviceEnv(s.iso), CURRICULUM_LOG_LEVEL: 'warn' },
        timeout: 60_000,
      }).then(
        () => null,
        (e: { code?: number; stderr?: string }) => e,
      );
      assert.ok(failed, 'it fails');
      assert.equal(failed.code, 1);
      assert.match(failed.stderr ?? '', /CUR_RUN_UNKNOWN: no run\.start for run "no-such-run"/);
    } finally {
      await s.close();
    }
  },
  { timeout: 120_000 },
);
