// Reads the data-chart / data-points pairs out of report HTML, for tests that do not need a browser.
export function chartsIn(html: string): Map<string, number> {
  const charts = new Map<string, number>();
  for (const m of html.matchAll(/data-chart="([^"]+)" data-points="([^"]*)"/g)) {
    charts.set(m[1] ?? '', Number(m[2]));
  }
  return charts;
}

/** Every chart a report of the 3-stage fixture run must draw with data. */
export const FIXTURE_CHARTS = [
  'heldout-accuracy',
  'sampling-weights',
  'continual-learning-matrix',
  'calibration-ece',
  'calibration-last',
  'category-gaps',
  'holdout-domain-accuracy',
  'adversarial-accuracy',
  'training-loss',
  'learning-rate',
  'milestones',
  'decision-log',
] as const;
