// Validation at the edge: turns TypeBox errors into one error per field, each naming the
// path (`stages[2].advance.gates[0].metric`), what was found and what was expected.
import { FormatRegistry, Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
}

export interface FieldError {
  /** Dotted path with array indices, `''` for the root. */
  path: string;
  message: string;
  found?: string;
  expected?: string;
}

/** `/stages/2/advance/gates/0/metric` -> `stages[2].advance.gates[0].metric` */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc === '' ? seg : `${acc}.${seg}`), '');
}

export function joinPath(base: string, child: string | number): string {
  if (typeof child === 'number') return `${base}[${child}]`;
  return base === '' ? child : `${base}.${child}`;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return `${typeof value} ${String(value)}`;
}

function literalsOf(schema: TSchema): string[] | undefined {
  const variants = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!variants) return undefined;
  const values = variants.map((v) => (v as { const?: unknown }).const);
  return values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

/** For a union of objects discriminated by `kind`, the variant whose kind matches. */
function variantByKind(schema: TSchema, value: unknown): TSchema | 'unknown-kind' | undefined {
  const variants = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!variants || typeof value !== 'object' || value === null) return undefined;
  const kinds = variants.map((v) => (v as { properties?: { kind?: { const?: unknown } } }).properties?.kind?.const);
  if (!kinds.every((k) => typeof k === 'string')) return undefined;
  const kind = (value as { kind?: unknown }).kind;
  const index = kinds.indexOf(kind as string);
  return index >= 0 ? variants[index] : 'unknown-kind';
}

function expectedOf(error: ValueError): string {
  const s = error.schema as Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.Literal:
      return JSON.stringify(s.const);
    case ValueErrorType.Union: {
      const lits = literalsOf(error.schema);
      return lits ? `one of ${lits.map((l) => JSON.stringify(l)).join(', ')}` : 'one of the allowed shapes';
    }
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `a number >= ${String(s.minimum)}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `a number <= ${String(s.maximum)}`;
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return `a number > ${String(s.exclusiveMinimum)}`;
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return `a number < ${String(s.exclusiveMaximum)}`;
    case ValueErrorType.Integer:
      return 'an integer';
    case ValueErrorType.Number:
      return 'a number';
    case ValueErrorType.String:
      return 'a string';
    case ValueErrorType.Boolean:
      return 'true or false';
    case ValueErrorType.Array:
      return 'an array';
    case ValueErrorType.Object:
      return 'an object';
    case ValueErrorType.ArrayMinItems:
      return `at least ${String(s.minItems)} item(s)`;
    case ValueErrorType.ArrayMaxItems:
      return `at most ${String(s.maxItems)} item(s)`;
    case ValueErrorType.StringMinLength:
      return `at least ${String(s.minLength)} character(s)`;
    case ValueErrorType.StringMaxLength:
      return `at most ${String(s.maxLength)} character(s)`;
    case ValueErrorType.StringPattern:
      return `a string matching ${String(s.pattern)}`;
    case ValueErrorType.StringFormat:
      return `a ${String(s.format)} string`;
    case ValueErrorType.ObjectRequiredProperty:
      return 'a value (required)';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'no such key (unknown keys are errors)';
    default:
      return error.message;
  }
}

/**
 * Every field error of `value` against `schema`. Discriminated unions (objects with a `kind`
 * literal) are narrowed to the variant the value names, so errors point inside it instead of
 * saying "expected union".
 */
export function checkValue(schema: TSchema, value: unknown, basePath = ''): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    const path = joinPointer(basePath, error.path);
    if (error.type === ValueErrorType.Union) {
      const variant = variantByKind(error.schema, error.value);
      if (variant === 'unknown-kind') {
        const variants = (error.schema as unknown as { anyOf: Array<{ properties: { kind: { const: string } } }> }).anyOf;
        const kinds = variants.map((v) => v.properties.kind.const);
        push(out, seen, {
          path: joinPath(path, 'kind'),
          message: 'unknown kind',
          found: describeValue((error.value as { kind?: unknown }).kind),
          expected: `one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`,
        });
        continue;
      }
      if (variant) {
        // Defaults are applied to a union only when a whole variant matches, so a value with one
        // real error lacks its variant's defaulted fields: fill them before checking, or each
        // would be reported missing beside the real error.
        const defaulted = Value.Default(variant, structuredClone(error.value)) as unknown;
        for (const inner of checkValue(variant, defaulted, path)) push(out, seen, inner);
        continue;
      }
    }
    if (error.type === ValueErrorType.Kind && (error.schema as unknown as Record<symbol, unknown>)[Kind] === 'Unknown') continue;
    if (error.type === ValueErrorType.ObjectRequiredProperty || error.value === undefined) {
      push(out, seen, { path, message: 'missing required field' });
      continue;
    }
    push(out, seen, {
      path,
      message: messageOf(error),
      found: describeValue(error.value),
      expected: expectedOf(error),
    });
  }
  return out;
}

function messageOf(error: ValueError): string {
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties:
      return 'unknown key';
    case ValueErrorType.ObjectRequiredProperty:
      return 'missing required field';
    case ValueErrorType.ArrayMinItems:
      return 'too few items';
    case ValueErrorType.ArrayMaxItems:
      return 'too many items';
    case ValueErrorType.Union:
    case ValueErrorType.Literal:
      return 'not an allowed value';
    default:
      return error.type === ValueErrorType.Number || error.type === ValueErrorType.Integer || error.type === ValueErrorType.String ||
        error.type === ValueErrorType.Boolean || error.type === ValueErrorType.Array || error.type === ValueErrorType.Object
        ? 'wrong type'
        : 'out of range';
  }
}

function joinPointer(basePath: string, pointer: string): string {
  const child = pointerToPath(pointer);
  if (basePath === '') return child;
  if (child === '') return basePath;
  return child.startsWith('[') ? `${basePath}${child}` : `${basePath}.${child}`;
}

function push(out: FieldError[], seen: Set<string>, e: FieldError): void {
  // TypeBox reports a missing required field twice (required, then the type of undefined).
  const key = e.path;
  if (seen.has(key)) return;
  seen.add(key);
  out.push(e);
}

export function formatFieldError(e: FieldError, file?: string): string {
  const where = `${file ? `${file}: ` : ''}${e.path === '' ? '(root)' : e.path}`;
  const detail = [e.found !== undefined ? `found ${e.found}` : '', e.expected ? `expected ${e.expected}` : '']
    .filter(Boolean)
    .join(', ');
  return `${where}: ${e.message}${detail ? ` (${detail})` : ''}`;
}
