// Demo 2, distributed: controller (Redis store; it admits feedback and writes the pools), trainer
// and evaluator on a real Kafka broker, two runs of the continual-digits example at once. The runs retrain on
// held-out drift: every 240 feedback items the deployed model is scored on the feedback hold-out,
// and its drop from the held-out accuracy at deployment triggers retraining. Feedback goes in
// through `curriculum feedback send --run` (the Kafka producer). The shifted run promotes its
// candidate; the adversarial-noise run rejects it. An invalid row goes to the DLQ, so does a valid
// row that cannot apply to the run (another deployment, a label outside the classes, with the
// reason); re-sent rows count once, as repeated; and the controller's metrics count feedback,
// retraining cycles, promotions, rejections and dead letters.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { ALL_TOPICS, TOPICS, deadLetterTopic } from '../../schemas/topics.ts';
import type { Feedback } from '../../schemas/events.ts';
import { DLQ_HEADERS } from '../../transport/bus.ts';
import { until } from './support/feedback-run.ts';
import { parseSpecValue } from '../../schemas/spec-loader.ts';
import { ControllerService } from '../../controller/runtime/controller-service.ts';
import { metricsHooks } from '../../controller/runtime/metrics-hooks.ts';
import { createControllerMetrics } from '../../observability/metrics.ts';
import { startTrainerService } from '../../trainer/service.ts';
import { startEvaluatorService } from '../../evaluator/service.ts';
import { feedbackCommand } from '../../cli/feedback.ts';
import { feedbackPoolFile, readPool } from '../../tasks/feedback-pool.ts';
import { serviceTest } from '../support/service-gate.ts';
import { newBus, readAll, testLogger, uniquePrefix } from '../transport/kafka-fixtures.ts';
import { newStore, uniquePrefix as redisPrefix } from '../store/redis-fixtures.ts';
import { DEPLOYMENT, EXAMPLE_SPEC, Watcher, productionFeedback, writeJsonl } from './support/digits-demo.ts';

const KAFKA_AND_REDIS = {
  env: ['CURRICULUM_KAFKA_BROKERS', 'CURRICULUM_REDIS_URL'],
  hint: 'start Kafka and Redis with `scripts/services.sh start` and export what it prints',
};

serviceTest(
  'over Kafka, held-out drift retrains two runs: the shifted one is promoted, the adversarial one rejected',
  KAFKA_AND_REDIS,
  async (t) => {
    const started = Date.now();
    const prefix = uniquePrefix('continual');
    const checkpointRoot = mkdtempSync(join(tmpdir(), 'curriculum-continual-kafka-'));
    const buses = [newBus(prefix), newBus(prefix), newBus(prefix)] as const;
    await buses[0].ensureTopics(ALL_TOPICS, { withDeadLetters: true });
    const store = newStore(redisPrefix('continual'));
    const registry = new Registry();
    const metrics = metricsHooks(createControllerMetrics(registry));
    const watchers = new Map<string, Watcher>();
    const controller = new ControllerService({
      bus: buses[0],
      store,
      producer: 'controller-0',
      logger: testLogger,
      groupId: `${prefix}curriculum-controller`,
      checkpointRoot,
      hooks: {
        ...metrics,
        onTransition(view, result, cause) {
          metrics.onTransition(view, result, cause);
          watchers.get(view.runId)?.observe(view, result.decisions.map((d) => d.payload), result.commands);
        },
      },
    });
    const trainer = await startTrainerService({ bus: buses[1], checkpointRoot, producer: 'trainer-0', logger: testLogger, backend: 'wasm', groupId: `${prefix}curriculum-trainer` });
    const evaluator = await startEvaluatorService({ bus: buses[2], checkpointRoot, producer: 'evaluator-0', logger: testLogger, backend: 'wasm', groupId: `${prefix}curriculum-evaluator` });
    await controller.start();
    try {
      // The example, retraining on drift instead of on the count.
      const raw = parse(readFileSync(EXAMPLE_SPEC, 'utf8')) as { continual: Record<string, unknown> };
      raw.continual = { ...raw.continual, minFeedback: 100000, driftCheckEvery: 240 };
      const spec = parseSpecValue(raw, EXAMPLE_SPEC);
      const runs = { permutation: `shift-${prefix.slice(2, 10)}`, noise: `noise-${prefix.slice(2, 10)}` } as const;
      for (const runId of Object.values(runs)) {
        watchers.set(runId, new Watcher());
        await controller.startRun(spec, runId, EXAMPLE_SPEC);
      }
      const env = { ...process.env, CURRICULUM_KAFKA_TOPIC_PREFIX: prefix };
      const sent: Record<string, Feedback[]> = {};
      for (const [kind, runId] of Object.entries(runs) as Array<['permutation' | 'noise', string]>) {
        const w = watchers.get(runId) as Watcher;
        await w.until(() => w.view?.detailedState === 'continual.monitoring', `${runId} deployed`);
        const deployed = w.view?.continual?.deployedCheckpointId;
        assert.ok(deployed);
        const rows = await productionFeedback(checkpointRoot, runId, deployed, { kind, permutation: 77, count: 240, deploymentId: DEPLOYMENT, seed: 2 });
        assert.equal(await feedbackCommand(['send', writeJsonl(rows), '--run', runId], env), 0);
        sent[runId] = rows;
      }
      const shift = watchers.get(runs.permutation) as Watcher;
      const noise = watchers.get(runs.noise) as Watcher;
      await shift.until(() => shift.kinds().includes('promote') || shift.kinds().includes('reject'), 'the shifted run decides');
      await noise.until(() => noise.kinds().includes('promote') || noise.kinds().includes('reject'), 'the noise run decides');

      for (const [w, verdict] of [[shift, 'promote'], [noise, 'reject']] as const) {
        const retrain = w.decisions.find((d) => d.kind === 'retrain');
        assert.ok(retrain);
        const drift = retrain.reasons.find((r) => r.code === 'continual.heldout-drift');
        assert.ok(drift?.holds && (drift.value ?? 0) >= 0.2, JSON.stringify(retrain.reasons));
        const check = w.decisions.find((d) => d.kind === 'evaluate' && d.reasons[0]?.code === 'continual.drift-check');
        assert.ok(check, 'a drift check of the deployed model preceded the retraining');
        const decided = w.decisions.find((d) => d.kind === 'promote' || d.kind === 'reject');
        assert.equal(decided?.kind, verdict, JSON.stringify(decided?.reasons));
        t.diagnostic(`${verdict}: drift ${drift.value?.toFixed(4)}; ${decided?.reasons.map((r) => `${r.code}=${r.value?.toFixed(4) ?? '-'}`).join(' ')}`);
      }
      const lesson = shift.commands.find((c) => c.type === 'lesson.start' && c.payload.purpose === 'retrain');
      assert.ok(lesson?.type === 'lesson.start' && lesson.payload.feedback);
      assert.equal(lesson.payload.feedback.upToCount, 240, 'the retraining lesson names its cut of the pool');
      assert.equal(readPool(feedbackPoolFile(checkpointRoot, runs.permutation, DEPLOYMENT)).length, 240);
      assert.ok(noise.commands.some((c) => c.type === 'checkpoint.revert'), 'the rejected candidate is reverted');

      // An invalid row (no label, no input, ...) is dead-lettered, and counted as invalid feedback.
      await buses[0].publishRaw(TOPICS.feedback, runs.noise, Buffer.from(JSON.stringify({ type: 'feedback', payload: { feedbackId: 'x' } })));
      // Valid rows that cannot apply to the run, sent without the CLI's check (no --spec): the controller refuses them on the bus.
      const first = sent[runs.permutation]?.[0] as Feedback;
      const unfit = [{ ...first, feedbackId: 'other-dep', deploymentId: 'staging' }, { ...first, feedbackId: 'bad-label', label: '12' }, { ...first, feedbackId: 'text', input: 'seven' }];
      assert.equal(await feedbackCommand(['send', writeJsonl(unfit), '--run', runs.permutation], env), 0);
      const dlq = await readAll(`${prefix}${deadLetterTopic(TOPICS.feedback)}`, 1 + unfit.length);
      const refused = dlq.filter((m) => m.headers?.[DLQ_HEADERS.errorCode]?.toString() === 'CUR_FEEDBACK_REFUSED').map((m) => m.headers?.[DLQ_HEADERS.reason]?.toString() ?? '');
      assert.equal(refused.length, unfit.length, refused.join('\n'));
      assert.match(refused.join('\n'), /feedback "other-dep": deploymentId: "staging" is not this run's deployment/);
      assert.match(refused.join('\n'), /feedback "bad-label": input\/label: digits: label "12" is not a digit/);
      assert.match(refused.join('\n'), /feedback "text": input\/label: digits: expects a vector of 784 pixels, got text/);
      // Re-sending every row of the shifted run adds nothing new: each counts once, as repeated.
      const before = shift.view?.continual;
      assert.equal(await feedbackCommand(['send', writeJsonl(sent[runs.permutation] ?? []), '--run', runs.permutation], env), 0);
      await until(async () => (await controller.view(runs.permutation))?.continual?.feedbackRepeated === 240, 'the re-sent rows counted as repeats');
      const after = (await controller.view(runs.permutation))?.continual;
      assert.equal(after?.feedbackSinceRetrain, before?.feedbackSinceRetrain, 'no new items toward retraining');
      assert.equal(readPool(feedbackPoolFile(checkpointRoot, runs.permutation, DEPLOYMENT)).length, 240, 'never pooled twice');
      assert.ok(!existsSync(feedbackPoolFile(checkpointRoot, runs.permutation, 'staging')), 'refused rows are never pooled');
      assert.equal(shift.kinds().filter((k) => k === 'retrain').length, 1, 'repeats start no retraining');

      const text = await registry.metrics();
      const continualLines = text.split('\n').filter((l) => /feedback|retrain|promot|reject/.test(l) && !l.startsWith('#')).join('\n');
      const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
      t.diagnostic(continualLines);
      assert.equal(value(/^curriculum_promotions_total (\d+)/m), 1);
      assert.equal(value(/^curriculum_retraining_cycles_total (\d+)/m), 2);
      assert.equal(value(/^curriculum_rejections_total\{reason="continual\.feedback-gain"\} (\d+)/m), 1);
      assert.equal(value(/^curriculum_feedback_total\{severity="medium",outcome="accepted"\} (\d+)/m), 480);
      assert.ok(value(/^curriculum_feedback_total\{severity="unknown",outcome="invalid"\} (\d+)/m) >= 1 + unfit.length, text.split('\n').filter((l) => l.includes('feedback')).join('\n'));
      assert.equal(value(/^curriculum_feedback_total\{severity="medium",outcome="duplicate"\} (\d+)/m), 240);
      assert.equal(value(/^curriculum_dlq_messages_total\{topic="curriculum\.feedback",code="CUR_FEEDBACK_REFUSED"\} (\d+)/m), unfit.length);
      const seconds = (Date.now() - started) / 1000;
      t.diagnostic(`${seconds.toFixed(1)} s for both runs`);
      assert.ok(seconds < 90, `took ${seconds.toFixed(1)} s`);
    } finally {
      await controller.stop();
      await trainer.stop();
      await evaluator.stop();
      for (const b of buses) await b.close();
      await store.close();
    }
  },
  { timeout: 180_000 },
);
