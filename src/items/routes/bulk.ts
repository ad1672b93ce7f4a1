import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contentTypeOf, parseBodyCsv, parseBodyList } from '../../http/body.js';
import { ApiError, detail } from '../../http/errors.js';
import { compileSerializer } from '../../http/json.js';
import { routeOn } from '../../http/resources.js';
import {
  type Applied,
  applyOperations,
  type BulkOptions,
  isOperation,
  type Operation,
  operationKeys,
  readOperation,
} from '../bulk.js';
import { bulkSchemas } from '../bulk-schema.js';
import { type ItemsContext, queryOf } from '../context.js';
import { importFailure, readImport } from '../csv.js';
import { docs } from '../docs.js';
import { itemEtag } from '../etag.js';
import { hashRequest, idempotencyKeyOf, replayAnswer } from '../idempotency.js';
import { findResponse } from '../repository/idempotency.js';
import { ITEM_BULK, ITEM_IMPORT } from '../urls.js';

// POST /api/items/bulk/ (a JSON array of operations) and POST /api/items/import/ (a CSV file), both
// applied all or nothing in one transaction (bulk.ts), with ?dry_run=true and an Idempotency-Key.

const NO_ITEM = 'No Item matches the given query; nothing was written.';
const STALE = 'An item has changed since it was read: its ETag no longer matches if_match; nothing was written.';

const metadata = (name: string, description: string, parses: string[]) => ({
  name,
  description,
  renders: ['application/json'],
  parses,
});

/** `?dry_run=`: DRF's BooleanField's spellings; anything else is a 400. */
function dryRunOf(request: FastifyRequest): boolean {
  const raw = queryOf(request).dry_run;
  if (raw === undefined || raw === '') return false;
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ApiError(400, { dry_run: ['Must be a valid boolean.'] });
}

export function bulkRoutes(app: FastifyInstance, items: ItemsContext): void {
  const { store, fields } = items;
  const schemas = bulkSchemas(items.schemas);
  const renderResults = compileSerializer({ schema: schemas.BulkResults }) as (results: unknown) => string;
  const renderSummary = compileSerializer({ schema: schemas.ImportSummary }) as (summary: unknown) => string;
  const keys = operationKeys(fields);

  /**
   * The shared course of both routes: a replay for a known Idempotency-Key (before the body is
   * read, as a create does), the operations, then one transaction; its answer, rendered by `render`.
   */
  const run = async (
    request: FastifyRequest,
    reply: FastifyReply,
    scope: string,
    read: () => Promise<{
      operations: Operation[];
      fail: (kind: 'missing' | 'stale', operations: number[]) => ApiError;
    }>,
    render: (results: Applied[], dryRun: boolean) => string,
    withBefore: boolean,
  ) => {
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    const dryRun = dryRunOf(request);
    const requestHash = hashRequest(contentTypeOf(request), request.body, scope);
    const remembered = key !== undefined && !dryRun;
    if (remembered) {
      const previous = await findResponse(store, key, items.idempotencyTtlMs);
      if (previous) return replayAnswer(reply, previous, requestHash);
    }
    const { operations, fail } = await read();
    const options: BulkOptions = { dryRun, withBefore };
    if (remembered) {
      options.idempotency = {
        key,
        requestHash,
        ttlMs: items.idempotencyTtlMs,
        render: (results) => render(results, false),
      };
    }
    const outcome = await applyOperations(store, operations, options);
    if (outcome.kind === 'missing' || outcome.kind === 'stale') throw fail(outcome.kind, outcome.operations);
    if (outcome.kind === 'claimed') {
      const stored = await findResponse(store, key as string, items.idempotencyTtlMs);
      if (!stored) throw new Error('idempotency key vanished after a conflict');
      return replayAnswer(reply, stored, requestHash);
    }
    const body = outcome.stored?.body ?? render(outcome.results, dryRun);
    return reply.code(200).type('application/json').send(body);
  };

  routeOn(app, ITEM_BULK, 'POST', {
    schema: { ...docs.bulk, response: { 200: schemas.BulkResults } },
    handler: (request, reply) =>
      run(
        request,
        reply,
        'bulk',
        async () => {
          const list = await parseBodyList(request, keys);
          if (list.length > items.bulkMaxOperations) {
            throw detail(
              413,
              `A bulk request may hold at most ${items.bulkMaxOperations} operations; this one holds ${list.length}. ` +
                'Send them in several requests.',
            );
          }
          const read = list.map((element) => readOperation(fields, element));
          if (!read.every(isOperation)) {
            throw new ApiError(400, read.map((one) => (isOperation(one) ? {} : one)) as never);
          }
          const fail = (kind: 'missing' | 'stale', failed: number[]) =>
            new ApiError(kind === 'missing' ? 404 : 412, {
              detail: kind === 'missing' ? NO_ITEM : STALE,
              operations: failed,
              ids: failed.map((index) => (read[index] as { id: number }).id),
            });
          return { operations: read, fail };
        },
        // Only the answer's keys: the serializer matches each element against the union's shapes.
        (results) =>
          renderResults(
            results.map(({ item }) => (item ? { id: item.id, ...valuesOf(fields, item), etag: itemEtag(item) } : null)),
          ),
        false,
      ),
  });
  routeOn(app, ITEM_BULK, 'OPTIONS', {
    schema: docs.options,
    handler: async () =>
      metadata('Item Bulk', 'Creates, updates and deletes items, all or nothing, in one transaction.', [
        'application/json',
      ]),
  });

  routeOn(app, ITEM_IMPORT, 'POST', {
    schema: { ...docs.bulk, response: { 200: schemas.ImportSummary } },
    handler: (request, reply) => {
      let lines: number[] = [];
      return run(
        request,
        reply,
        'import',
        async () => {
          const parsed = await parseBodyCsv(request);
          if ('problem' in parsed) {
            const { line, column, message } = parsed.problem;
            const name = parsed.header?.[column - 1]?.trim().toLowerCase();
            const field = name && ['id', ...Object.keys(fields)].includes(name) && line > 1 ? name : null;
            throw importFailure(400, `CSV parse error - line ${line}, column ${column}: ${message}`, [
              { line, column, field, messages: [message] },
            ]);
          }
          const plan = readImport(fields, parsed.records, items.importMaxRows);
          lines = plan.lines;
          const fail = (_kind: 'missing' | 'stale', failed: number[]) =>
            importFailure(
              404,
              NO_ITEM,
              failed.map((index) => ({
                line: plan.lines[index] as number,
                column: plan.columns.get('id') ?? null,
                field: 'id',
                messages: ['No Item matches the given query.'],
              })),
            );
          return { operations: plan.operations, fail };
        },
        (results, dryRun) => renderSummary(importSummary(fields, results, lines, dryRun)),
        true,
      );
    },
  });
  routeOn(app, ITEM_IMPORT, 'OPTIONS', {
    schema: docs.options,
    handler: async () =>
      metadata('Item Import', 'Applies a CSV file of items (id,product,price; an empty id creates), all or nothing.', [
        'text/csv',
      ]),
  });
}

/** What an import did (or would do), row by row, and the counts. */
function importSummary(fields: ItemsContext['fields'], results: Applied[], lines: number[], dryRun: boolean) {
  const pick = (item: Record<string, unknown>) => valuesOf(fields, item);
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const rows = results.map(({ item, before }, index) => {
    const current = item as NonNullable<Applied['item']>;
    const action = !before ? 'create' : before.version === current.version ? 'unchanged' : 'update';
    counts[action === 'create' ? 'created' : action === 'update' ? 'updated' : 'unchanged']++;
    return {
      line: lines[index],
      action,
      id: dryRun && action === 'create' ? null : current.id,
      ...pick(current),
      ...(action === 'update' ? { before: pick(before as Record<string, unknown>) } : {}),
    };
  });
  return { dry_run: dryRun, ...counts, rows };
}

/** The item's field values (not its id or version). */
const valuesOf = (fields: ItemsContext['fields'], item: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(fields).map((name) => [name, item[name]]));
