import fastJson, { type Schema } from 'fast-json-stringify';

// JSON as the current service writes it: compact, non-ASCII unescaped, but U+2028 and U+2029
// escaped (Python's json does; JavaScript's JSON.stringify does not). Only responses with a
// schema can carry stored text, and all of them go through here; the other bodies (errors,
// metadata) hold no user text and keep Fastify's default JSON.stringify.

const LINE_SEPARATORS = /[\u2028\u2029]/g;
const escapeSeparator = (c: string) => (c === '\u2028' ? '\\u2028' : '\\u2029');

export const escapeLineSeparators = (json: string): string =>
  json.indexOf('\u2028') === -1 && json.indexOf('\u2029') === -1
    ? json
    : json.replace(LINE_SEPARATORS, escapeSeparator);

const compiled = new WeakMap<object, (payload: unknown) => string>();

/**
 * Compiles a response schema into a fast serializer (fast-json-stringify), with the same
 * escaping. Once per schema: every route, slash variant and HEAD route shares it (start-up time).
 */
export function compileSerializer({ schema }: { schema: unknown }): (payload: unknown) => string {
  let serializer = compiled.get(schema as object);
  if (!serializer) {
    const serialize = fastJson(schema as Schema);
    serializer = (payload) => escapeLineSeparators(serialize(payload));
    compiled.set(schema as object, serializer);
  }
  return serializer;
}
