// The committed Grafana dashboard and the PromQL it runs, for the dashboard lint tests.
import { readFileSync } from 'node:fs';
import { DASHBOARD_FILE } from '../../deploy/grafana/dashboard.ts';

export interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
export interface Panel {
  type: string;
  title?: string;
  description?: string;
  datasource?: { uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
}
export interface DashboardJson {
  uid: string;
  panels: Panel[];
  templating: { list: { type: string; name: string; query?: unknown; datasource?: { uid?: string } }[] };
  annotations: { list: { name: string; expr?: string; datasource?: { uid?: string } }[] };
}

export const committed = readFileSync(DASHBOARD_FILE, 'utf8');
export const dashboard = JSON.parse(committed) as DashboardJson;

/** Metric names in a PromQL expression (label names and values stripped first). */
export function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '');
  const names = withoutLabels.match(/\bcurriculum_[a-z0-9_]+\b/g) ?? [];
  return [...new Set(names)];
}

export function allQueries(d: DashboardJson): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of d.panels) for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ where: `panel "${p.title}"`, expr: t.expr });
  for (const a of d.annotations.list) if (a.expr !== undefined) out.push({ where: `annotation "${a.name}"`, expr: a.expr });
  return out;
}

