// The report's stylesheet, inlined into report.html so it opens with no network.
export const REPORT_CSS = `
:root { --ink: #1b2733; --muted: #5d6b78; --line: #dde3ea; --card: #ffffff; --bg: #f4f6f9; --accent: #2f5d8a; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 60px; }
header.run { background: linear-gradient(120deg, #1f3b57, #2f5d8a); color: #fff; border-radius: 12px; padding: 22px 26px; }
header.run h1 { margin: 0 0 2px; font-size: 24px; font-weight: 650; letter-spacing: .2px; }
header.run .run-id { opacity: .8; font-size: 13px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
header.run p.description { margin: 8px 0 0; opacity: .92; max-width: 75ch; }
.status { display: inline-block; margin-left: 10px; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600;
  vertical-align: middle; text-transform: uppercase; letter-spacing: .6px; }
.status-completed { background: #d8f0dc; color: #1e6b31; } .status-running { background: #dde9f8; color: #1f4f86; }
.status-stopped { background: #fbeccc; color: #7a5200; } .status-failed { background: #f8d7d3; color: #8f1d12; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: 10px; margin-top: 18px; }
.kpi { background: rgba(255,255,255,.1); border-radius: 8px; padding: 8px 12px; }
.kpi .value { font-size: 19px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .label { font-size: 11.5px; opacity: .8; text-transform: uppercase; letter-spacing: .5px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 18px 22px; margin-top: 18px; }
section > h2 { margin: 0 0 4px; font-size: 17px; font-weight: 650; }
section > p.lede { margin: 0 0 12px; color: var(--muted); max-width: 90ch; }
figure.chart { margin: 14px 0 6px; }
figure.chart figcaption { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.chart-title { font-weight: 600; } .chart-subtitle { color: var(--muted); font-size: 12.5px; }
svg.plot { width: 100%; height: auto; display: block; }
svg .grid { stroke: #e6ebf0; stroke-width: 1; } svg .axis { stroke: #8795a1; stroke-width: 1; }
svg .tick { font-size: 11px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .axis-label { font-size: 12px; fill: var(--ink); } svg .band-label { font-size: 11px; fill: #3b4a58; font-weight: 600; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 6px 0 4px; font-size: 12.5px; color: #33414e; }
ul.legend li { display: flex; align-items: center; gap: 6px; } svg.swatch { flex: none; }
.empty { color: var(--muted); font-style: italic; background: #f8fafc; border: 1px dashed var(--line); border-radius: 8px; padding: 14px; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 11.5px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); font-weight: 600; background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.rationale { color: #33414e; max-width: 46ch; } td.rationale em { color: var(--muted); }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: baseline; }
.tag { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600; background: #eef2f6; color: #33414e; white-space: nowrap; }
.tag-advance, .tag-complete, .tag-promote { background: #d8f0dc; color: #1e6b31; }
.tag-review, .tag-regression-review { background: #eadff2; color: #5a2d78; }
.tag-revert, .tag-fail, .tag-reject, .tag-revert-blocked, .tag-fairness-block { background: #f8d7d3; color: #8f1d12; }
.tag-early-stop, .tag-budget-exhausted, .tag-stop, .tag-plateau { background: #fbeccc; color: #7a5200; }
.heatmap th { text-align: center; text-transform: none; font-size: 12.5px; } .heatmap tbody th { text-align: left; text-transform: none; font-size: 13px; color: var(--ink); }
.heatmap td.cell { text-align: center; font-variant-numeric: tabular-nums; font-weight: 600; min-width: 70px; border: 2px solid #fff; }
.heatmap td.cell.none { color: #9aa6b2; background: #f5f7f9; font-weight: 400; }
.metrics-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 10px; margin-top: 14px; }
.metric { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.metric .value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.metric .label { font-weight: 600; } .metric .hint { color: var(--muted); font-size: 12px; }
.good { color: #1e6b31; } .bad { color: #a3261a; }
.two-col { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; } @media (max-width: 900px) { .two-col { grid-template-columns: 1fr; } }
.reasons { margin: 0; padding: 0; list-style: none; }
.reasons li { margin: 1px 0; } .reasons .holds { color: #1e6b31; font-weight: 700; } .reasons .fails { color: #a3261a; font-weight: 700; }
.reasons code, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: #3b4a58; }
.reasons .vs { font-variant-numeric: tabular-nums; color: #33414e; background: #f3f5f8; border-radius: 4px; padding: 0 5px; margin-left: 4px; white-space: nowrap; }
tr.routine td { color: #6b7885; } td.transition code { white-space: nowrap; }
.problems { background: #fff8e6; border-color: #f0d48a; } .problems li { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
details > summary { cursor: pointer; color: var(--accent); font-weight: 600; margin: 6px 0; }
pre.spec { background: #f6f8fa; border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow: auto; font-size: 12px; max-height: 480px; }
.bar { display: inline-block; height: 8px; border-radius: 4px; background: #e8a33d; vertical-align: middle; margin-right: 6px; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; text-align: center; }
`;
