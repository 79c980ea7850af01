// Fitting text to a terminal: a line wider than the window wraps, and a redraw that moves the
// cursor up by the number of lines it wrote then lands inside its own output (the header
// repeated down the screen). Every line of an in-place panel is cut to the window's width.

// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Columns a string takes on a terminal (escape sequences take none; one column per code point). */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** `text` cut to at most `width` columns, with an ellipsis where it was cut; escapes are kept. */
export function truncateToWidth(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  let styled = false;
  for (const part of text.split(/(\x1b\[[0-9;]*[A-Za-z])/)) { // eslint-disable-line no-control-regex
    if (part.startsWith('\x1b[')) {
      out += part;
      styled = true;
      continue;
    }
    for (const ch of part) {
      // Close any styling the cut left open.
      if (used === width - 1) return `${out}…${styled ? '\x1b[0m' : ''}`;
      out += ch;
      used++;
    }
  }
  return out;
}

/** The width to draw for: the terminal's, else 80; one column short so the cursor never wraps. */
export function drawWidth(out: { columns?: number }): number {
  const columns = out.columns && out.columns > 0 ? out.columns : 80;
  return Math.max(20, columns - 1);
}
