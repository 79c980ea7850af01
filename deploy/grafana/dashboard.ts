// The Grafana dashboard as code (grafana-foundation-sdk). `npx tsx deploy/grafana/dashboard.ts`
// writes deploy/grafana/dashboards/curriculum.json, which is committed and provisioned by
// docker-compose; test/deploy/grafana-dashboard.test.ts fails when the JSON is stale and lints it
// (datasource variable, a unit on every panel, counters only through rate/increase, and only
// metric names that the services export).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { ReduceDataOptionsBuilder, StackingConfigBuilder, StackingMode } from '@grafana/grafana-foundation-sdk/common';

export const DASHBOARD_UID = 'curriculum-overview';
export const DASHBOARD_FILE = join(import.meta.dirname, 'dashboards', 'curriculum.json');

// Every query goes through the datasource variable, so the dashboard works with any Prometheus.
const DS = { type: 'prometheus', uid: '${datasource}' };
const RUN = 'run_id=~"$run_id"';

interface Query {
  expr: string;
  legend: string;
}

function q(expr: string, legend: string): Query {
  return { expr, legend };
}

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map((query, i) =>
    new DataqueryBuilder()
      .datasource(DS)
      .refId(String.fromCharCode(65 + i))
      .expr(query.expr)
      .legendFormat(query.legend),
  );
}

function series(title: string, description: string, unit: string, queries: readonly Query[], options: { min?: number; max?: number; stacked?: boolean; width?: number } = {}): TimeseriesBuilder {
  let panel = new TimeseriesBuilder()
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .height(8)
    .span(options.width ?? 12)
    .targets(targets(queries));
  if (options.min !== undefined) panel = panel.min(options.min);
  if (options.max !== undefined) panel = panel.max(options.max);
  if (options.stacked === true) panel = panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal)).fillOpacity(40);
  return panel;
}

function stat(title: string, description: string, unit: string, queries: readonly Query[], width = 6): StatBuilder {
  return new StatBuilder()
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .height(5)
    .span(width)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .targets(targets(queries));
}

const rate = (metric: string, by: string, selector = '') => `sum by (${by}) (rate(${metric}${selector}[$__rate_interval]))`;
const increase = (metric: string, by: string, selector = '') => `sum by (${by}) (increase(${metric}${selector}[$__range]))`;
const quantile = (qv: number, metric: string, by = '') =>
  `histogram_quantile(${qv}, sum by (le${by === '' ? '' : `, ${by}`}) (rate(${metric}_bucket[$__rate_interval])))`;

export function buildDashboard(): Dashboard {
  const builder = new DashboardBuilder('Curriculum')
    .uid(DASHBOARD_UID)
    .description('Adaptive curriculum runs: stages, decisions and their reasons, learning progress, trainer, evaluator and event pipeline.')
    .tags(['curriculum', 'generated'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('run_id')
        .label('Run')
        .datasource(DS)
        .query({ query: 'label_values(curriculum_run_stage, run_id)', refId: 'run_id' })
        .definition('label_values(curriculum_run_stage, run_id)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*'),
    )
    // Annotations come from the decision counters: a stage change is an `advance` or
    // `complete` decision, a revert a `revert` decision.
    .annotation(
      new AnnotationQueryBuilder()
        .name('Stage transitions')
        .datasource(DS)
        .enable(true)
        .iconColor('green')
        .expr('sum by (kind, reason) (increase(curriculum_decisions_total{kind=~"advance|force-advance|complete"}[1m])) > 0')
        .titleFormat('{{kind}}')
        .textFormat('reason: {{reason}}')
        .tagKeys('kind,reason')
        .step('1m'),
    )
    .annotation(
      new AnnotationQueryBuilder()
        .name('Reverts')
        .datasource(DS)
        .enable(true)
        .iconColor('red')
        .expr('sum by (reason) (increase(curriculum_reverts_total[1m])) > 0')
        .titleFormat('revert')
        .textFormat('reason: {{reason}}')
        .tagKeys('reason')
        .step('1m'),
    )

    .withRow(new RowBuilder('Runs'))
    .withPanel(stat('Runs by state', 'Number of runs in each statechart state.', 'short', [q('count by (state) (curriculum_run_state == 1)', '{{state}}')], 8))
    .withPanel(stat('Reverts in range', 'Checkpoint reverts decided in the selected time range.', 'short', [q('sum(increase(curriculum_reverts_total[$__range]))', 'reverts')], 8))
    .withPanel(stat('Early stops in range', 'Runs stopped early in the selected time range.', 'short', [q('sum(increase(curriculum_early_stops_total[$__range]))', 'early stops')], 8))
    .withPanel(series('Current stage', 'Stage index of each run (the legend names the stage).', 'none', [q(`curriculum_run_stage{${RUN}}`, '{{run_id}}: {{stage}}')]))
    .withPanel(series('Training step', 'Latest training step the controller saw, per run.', 'short', [q(`curriculum_run_step{${RUN}}`, '{{run_id}}')]))
    .withPanel(series('Run state', 'Statechart state of each run (1 on the current state).', 'none', [q(`curriculum_run_state{${RUN}} == 1`, '{{run_id}}: {{state}}')]))
    .withPanel(series('Reverts per run', 'Checkpoint reverts decided in each run so far (the revert-loop alert watches this).', 'short', [q(`curriculum_run_reverts{${RUN}}`, '{{run_id}}')]))

    .withRow(new RowBuilder('Learning'))
    .withPanel(series('Held-out accuracy by task', 'Latest held-out accuracy per run and task.', 'percentunit', [q(`curriculum_heldout_accuracy_ratio{${RUN}}`, '{{run_id}} {{task}}')], { min: 0, max: 1 }))
    .withPanel(series('Evaluation accuracy by suite', 'Accuracy per suite (held-out, hold-out domain, adversarial, feedback) and task.', 'percentunit', [q(`curriculum_evaluation_accuracy_ratio{${RUN}}`, '{{run_id}} {{suite}} {{task}}')], { min: 0, max: 1 }))
    .withPanel(series('Forgetting and backward transfer', 'Forgetting (mean drop on earlier tasks) and backward transfer per run.', 'percentunit', [
      q(`curriculum_forgetting_ratio{${RUN}}`, '{{run_id}} forgetting'),
      q(`curriculum_backward_transfer_ratio{${RUN}}`, '{{run_id}} backward transfer'),
    ]))
    .withPanel(series('Sampling weights', 'Current task sampling weights per run (stacked; they sum to 1).', 'percentunit', [q(`curriculum_sampling_weight_ratio{${RUN}}`, '{{run_id}} {{task}}')], { min: 0, max: 1, stacked: true }))

    .withRow(new RowBuilder('Decisions'))
    .withPanel(series('Decisions by kind', 'Controller decisions per second by kind.', 'ops', [q(rate('curriculum_decisions_total', 'kind'), '{{kind}}')]))
    .withPanel(series('Decisions by reason', 'Controller decisions per second by primary reason code.', 'ops', [q(rate('curriculum_decisions_total', 'kind, reason'), '{{kind}} / {{reason}}')]))
    .withPanel(series('Reviews, reverts and early stops', 'Review passes, reverts and early stops per second.', 'ops', [
      q(rate('curriculum_reviews_total', 'kind'), '{{kind}}'),
      q(rate('curriculum_reverts_total', 'reason'), 'revert: {{reason}}'),
      q(rate('curriculum_early_stops_total', 'reason'), 'early stop: {{reason}}'),
    ]))
    .withPanel(series('Continual learning', 'Retraining cycles, promotions and rejections in the selected range.', 'short', [
      q('sum(increase(curriculum_retraining_cycles_total[$__range]))', 'retraining cycles'),
      q('sum(increase(curriculum_promotions_total[$__range]))', 'promotions'),
      q(increase('curriculum_rejections_total', 'reason'), 'rejected: {{reason}}'),
      q(increase('curriculum_feedback_total', 'severity, outcome'), 'feedback {{severity}} {{outcome}}'),
    ]))

    .withRow(new RowBuilder('Trainer'))
    .withPanel(series('Loss', 'Training loss per run.', 'none', [q(`curriculum_trainer_loss{${RUN}}`, '{{run_id}}')]))
    .withPanel(series('Learning rate', 'Current learning rate per run, from its schedule.', 'none', [q(`curriculum_trainer_learning_rate{${RUN}}`, '{{run_id}}')]))
    .withPanel(series('Throughput', 'Training samples per second per run.', 'cps', [q(`curriculum_trainer_samples_per_second{${RUN}}`, '{{run_id}}')]))
    .withPanel(series('Trainer step', 'Latest completed step per run, as the trainer reports it.', 'short', [q(`curriculum_trainer_step{${RUN}}`, '{{run_id}}')]))
    .withPanel(series('Lessons and errors', 'Lessons per second by outcome and trainer errors by code.', 'ops', [
      q(rate('curriculum_trainer_lessons_total', 'outcome'), 'lessons {{outcome}}'),
      q(rate('curriculum_trainer_errors_total', 'code'), 'error {{code}}'),
    ]))
    .withPanel(series('Lesson duration', 'Median and 95th percentile lesson duration.', 's', [
      q(quantile(0.5, 'curriculum_trainer_lesson_duration_seconds'), 'p50'),
      q(quantile(0.95, 'curriculum_trainer_lesson_duration_seconds'), 'p95'),
    ]))
    .withPanel(stat('Backend', 'TensorFlow.js backend and device in use by each trainer.', 'none', [q('count by (backend, device, version) (curriculum_trainer_backend_info)', '{{backend}} on {{device}} {{version}}')], 24))

    .withRow(new RowBuilder('Evaluator'))
    .withPanel(series('Evaluation duration by suite', '95th percentile duration of one suite evaluation.', 's', [q(quantile(0.95, 'curriculum_evaluation_duration_seconds', 'suite'), '{{suite}} p95')]))
    .withPanel(series('Evaluations and errors', 'Suite evaluations per second by outcome, and evaluator errors by code.', 'ops', [
      q(rate('curriculum_evaluations_total', 'suite, outcome'), '{{suite}} {{outcome}}'),
      q(rate('curriculum_evaluator_errors_total', 'code'), 'error {{code}}'),
    ]))

    .withRow(new RowBuilder('Event pipeline'))
    .withPanel(series('Events processed', 'Events consumed by the controller per second, by outcome.', 'ops', [q(rate('curriculum_events_processed_total', 'outcome'), '{{outcome}}')]))
    .withPanel(series('Dead letters', 'Messages sent to dead-letter topics per second, by topic and code.', 'ops', [q(rate('curriculum_dlq_messages_total', 'topic, code'), '{{topic}} {{code}}')]))
    .withPanel(series('Consumer crashes', 'Kafka consumer crashes per second, by consumer group and by who restarted the consumer (kafkajs, or the bus when kafkajs gave up). Distributed mode (Kafka) only: an embedded run has no Kafka consumer.', 'ops', [q(rate('curriculum_consumer_crashes_total', 'group, restarted_by'), '{{group}} {{restarted_by}}')]))
    .withPanel(series('Consumer dead letters', 'Messages each Kafka consumer group could not decode, per second, by whether their dead letter was written (false: the broker refused even the bounded record; the message was logged and skipped). Distributed mode (Kafka) only.', 'ops', [q(rate('curriculum_consumer_dead_letters_total', 'group, written'), '{{group}} written={{written}}')]))
    .withPanel(series('Consumer lag', 'Messages between the committed offset and the log end. Distributed mode (Kafka) only: an embedded run has no consumer group.', 'short', [q('sum by (topic, partition) (curriculum_consumer_lag_messages)', '{{topic}}/{{partition}}')]))
    .withPanel(series('Decision latency', 'Event received to decision stored: p50, p95, p99.', 's', [
      q(quantile(0.5, 'curriculum_decision_latency_seconds'), 'p50'),
      q(quantile(0.95, 'curriculum_decision_latency_seconds'), 'p95'),
      q(quantile(0.99, 'curriculum_decision_latency_seconds'), 'p99'),
    ]))
    .withPanel(series('Snapshot write latency', 'Atomic snapshot + offset + outbox write: p50 and p99.', 's', [
      q(quantile(0.5, 'curriculum_snapshot_write_duration_seconds'), 'p50'),
      q(quantile(0.99, 'curriculum_snapshot_write_duration_seconds'), 'p99'),
    ]))
    .withPanel(series('Feedback received', 'Production feedback rows per second by severity and outcome.', 'ops', [q(rate('curriculum_feedback_total', 'severity, outcome'), '{{severity}} {{outcome}}')]))

    .withRow(new RowBuilder('Processes'))
    .withPanel(series('CPU', 'CPU time per second of each service process.', 'percentunit', [q('sum by (job, instance) (rate(curriculum_process_cpu_seconds_total[$__rate_interval]))', '{{job}} {{instance}}')], { width: 8 }))
    .withPanel(series('Resident memory', 'Resident memory of each service process.', 'bytes', [q('sum by (job, instance) (curriculum_process_resident_memory_bytes)', '{{job}} {{instance}}')], { width: 8 }))
    .withPanel(series('Event loop lag', '99th percentile event loop lag of each service.', 's', [q('max by (job, instance) (curriculum_nodejs_eventloop_lag_p99_seconds)', '{{job}} {{instance}}')], { width: 8 }));
  return builder.build();
}

export function renderDashboard(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  mkdirSync(join(import.meta.dirname, 'dashboards'), { recursive: true });
  writeFileSync(DASHBOARD_FILE, renderDashboard());
  console.log(`wrote ${DASHBOARD_FILE}`);
}
