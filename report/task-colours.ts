// One colour per task for every chart of a report, assigned in spec order so the same task
// has the same colour in every chart (and in runs of the same spec).

// Tableau 10: distinguishable, print-friendly, and readable by most colour-blind viewers.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export type TaskColours = (task: string) => string;

export function taskColours(tasks: readonly string[]): TaskColours {
  const known = new Map(tasks.map((t, i) => [t, colourAt(i)]));
  return (task) => {
    let c = known.get(task);
    if (c === undefined) {
      c = colourAt(known.size);
      known.set(task, c);
    }
    return c;
  };
}

function colourAt(i: number): string {
  // Beyond the palette, golden-angle hues keep neighbours apart.
  return PALETTE[i] ?? `hsl(${Math.round((i * 137.508) % 360)} 55% 48%)`;
}

/** Accuracy in [0, 1] -> a white-to-blue fill for heatmap cells, with readable text colour. */
export function heatColour(v: number): { fill: string; text: string } {
  const t = Math.min(1, Math.max(0, v));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  // #f7fbff -> #08519c (ColorBrewer Blues ends)
  const fill = `rgb(${mix(247, 8)} ${mix(251, 81)} ${mix(255, 156)})`;
  return { fill, text: t > 0.55 ? '#ffffff' : '#1b2733' };
}
