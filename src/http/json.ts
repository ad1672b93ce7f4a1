import fastJson, { type Schema } from 'fast-json-stringify';
import type { FastifyInstance } from 'fastify';

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

const FASTIFY_JSON = 'application/json; charset=utf-8';

/**
 * The current service answers JSON as `application/json`, without a charset parameter (JSON is
 * UTF-8 by definition); Fastify adds one to the objects it serializes. Every JSON answer is
 * written the service's way.
 */
export function addJsonContentType(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.getHeader('content-type') === FASTIFY_JSON) reply.header('content-type', 'application/json');
    done(null, payload);
  });
}
