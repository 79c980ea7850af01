// The frame every chart sits in: a titled <figure> carrying data-chart (its name) and
// data-points (how many data elements it drew), so tests and the browser check can assert
// that each chart exists and has data without parsing SVG.
import { html, type Html, type HtmlValue } from '../html.ts';

export interface LegendEntry {
  label: string;
  colour: string;
  /** How the swatch looks: a line (series), a block (area, bar) or a marker glyph. */
  shape?: 'line' | 'block' | 'review' | 'revert' | 'dashed';
}

export interface FigureOptions {
  name: string;
  title: string;
  subtitle?: string;
  points: number;
  legend?: readonly LegendEntry[];
  body: HtmlValue;
}

export function chartFigure(o: FigureOptions): Html {
  return html`<figure class="chart" data-chart="${o.name}" data-points="${o.points}">
<figcaption><span class="chart-title">${o.title}</span>${o.subtitle ? html`<span class="chart-subtitle">${o.subtitle}</span>` : ''}</figcaption>
${o.legend && o.legend.length > 0 ? legend(o.legend) : ''}
${o.body}
</figure>`;
}

/** Placeholder for a chart with nothing to draw; deliberately has no data-chart attribute. */
export function emptyChart(name: string, title: string, message: string): Html {
  return html`<figure class="chart chart-empty" data-chart-empty="${name}"><figcaption><span class="chart-title">${title}</span></figcaption><p class="empty">${message}</p></figure>`;
}

export function legend(entries: readonly LegendEntry[]): Html {
  return html`<ul class="legend">${entries.map((e) => html`<li>${swatch(e)}${e.label}</li>`)}</ul>`;
}

function swatch(e: LegendEntry): Html {
  switch (e.shape ?? 'line') {
    case 'block':
      return html`<svg class="swatch" width="14" height="12" aria-hidden="true"><rect x="1" y="1" width="12" height="10" rx="2" fill="${e.colour}"/></svg>`;
    case 'review':
      return html`<svg class="swatch" width="14" height="12" aria-hidden="true"><path d="M7 1 L13 11 L1 11 Z" fill="${e.colour}"/></svg>`;
    case 'revert':
      return html`<svg class="swatch" width="14" height="12" aria-hidden="true"><path d="M2 1 L12 11 M12 1 L2 11" stroke="${e.colour}" stroke-width="2.5"/></svg>`;
    case 'dashed':
      return html`<svg class="swatch" width="18" height="12" aria-hidden="true"><line x1="0" y1="6" x2="18" y2="6" stroke="${e.colour}" stroke-width="2" stroke-dasharray="4 3"/></svg>`;
    default:
      return html`<svg class="swatch" width="18" height="12" aria-hidden="true"><line x1="0" y1="6" x2="18" y2="6" stroke="${e.colour}" stroke-width="3" stroke-linecap="round"/></svg>`;
  }
}
