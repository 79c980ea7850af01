// What a terminal of a given width shows after some output: enough of a VT100 to replay the
// live view (printable text with auto-wrap, CR, LF, cursor-up-to-line-start, erase-below,
// SGR styling ignored). Rows never scroll away, so every leftover copy stays countable.

// eslint-disable-next-line no-control-regex -- terminal escape sequences are the input
const TOKEN = /\x1b\[([0-9;?]*)([A-Za-z])|\r|\n|[^\x1b\r\n]/gu;

export function screenAfter(output: string, columns: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = (r: number): string[] => (rows[r] ??= []);
  for (const m of output.matchAll(TOKEN)) {
    const [token, params, command] = m;
    if (command !== undefined) {
      const n = Number(params || '1');
      if (command === 'F') {
        row = Math.max(0, row - n);
        col = 0;
      } else if (command === 'A') row = Math.max(0, row - n);
      else if (command === 'G') col = Math.max(0, n - 1);
      else if (command === 'J') {
        rows.length = row + 1;
        rows[row] = line(row).slice(0, col);
      } else if (command === 'K') rows[row] = line(row).slice(0, col);
      continue;
    }
    if (token === '\r') col = 0;
    else if (token === '\n') {
      row++;
      line(row);
    } else {
      if (col >= columns) {
        row++;
        col = 0;
      }
      const cells = line(row);
      while (cells.length < col) cells.push(' ');
      cells[col] = token;
      col++;
    }
  }
  return rows.map((r) => r.join('').trimEnd());
}
