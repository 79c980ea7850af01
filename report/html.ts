// A tiny HTML builder whose interpolations are escaped unless they are already Html. Every
// string in a report can come from a user (spec names, rationales, reason messages), so
// escaping is the default and raw markup must be asked for by type, never by remembering.

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values (HTML and inline SVG alike). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<td>${userText}</td>\`` escapes userText; nested Html passes through. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Joins fragments, escaping plain strings. */
export function join(parts: readonly HtmlValue[], separator: HtmlValue = ''): Html {
  return new Html(parts.map(render).join(render(separator)));
}

/** Markup produced by code (not by data) that is known to be safe, e.g. a fixed SVG path. */
export function trusted(markup: string): Html {
  return new Html(markup);
}
