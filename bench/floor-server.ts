import { createServer, type ServerResponse } from 'node:http';
import pg from 'pg';
import { searchForm } from '../src/items/fields.js';
import {
  DETAIL,
  fields,
  type Item,
  type ItemFields,
  parseUrl,
  readJson,
  send,
  sendHealthy,
  sendInvalid,
  sendNoItem,
  sendNotAllowed,
  sendNotFound,
} from './bare-http.js';

// The PostgreSQL floor: the least any Node server must do to answer the bench's requests from
// PostgreSQL. Bare node:http plus pg, a pool of 10, one named (prepared) statement per request,
// JSON.stringify; no framework, no logging, no cache. Every write is the one statement that also
// keeps pricebook's columns right (version, product_search), so both write the same rows.
// DATABASE_URL names a database whose items table pricebook's migrations created.

// bigint ids as numbers, as pricebook reads them.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, keepAlive: true });
pool.on('error', () => {});

const COLUMNS = 'id, product, price';
const statement = (name: string, text: string) => (values: unknown[]) => pool.query<Item>({ name, text, values });
const list = statement('list', `SELECT ${COLUMNS} FROM items ORDER BY id`);
const filter = statement('filter', `SELECT ${COLUMNS} FROM items WHERE product = $1 ORDER BY id`);
const detail = statement('detail', `SELECT ${COLUMNS} FROM items WHERE id = $1`);
const insert = statement(
  'insert',
  `INSERT INTO items (product, price, product_search) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
);
const replace = statement(
  'replace',
  `UPDATE items SET product = $2, price = $3, product_search = $4, version = version + 1
   WHERE id = $1 RETURNING ${COLUMNS}`,
);
const patch = statement(
  'patch',
  `UPDATE items SET product = coalesce($2, product), price = coalesce($3, price),
   product_search = coalesce($4, product_search), version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
);
const remove = statement('remove', 'DELETE FROM items WHERE id = $1 RETURNING id');

/** Sends the first row (or 404 when none), or 500 when the query failed. */
function answer(res: ServerResponse, status: number, query: Promise<pg.QueryResult<Item>>): void {
  query.then(
    ({ rows }) => (rows[0] ? send(res, status, rows[0]) : sendNoItem(res)),
    () => send(res, 500, { detail: 'Database error.' }),
  );
}

const writeValues = (id: number, data: Partial<ItemFields>) => [
  id,
  data.product ?? null,
  data.price ?? null,
  data.product === undefined ? null : searchForm(data.product),
];

const server = createServer((req, res) => {
  const { path, product } = parseUrl(req.url ?? '/');
  const method = req.method ?? 'GET';

  if (path === '/healthz') return sendHealthy(res);
  if (path === '/api/items/' || path === '/api/items') {
    if (method === 'GET') {
      (product ? filter([product.trim()]) : list([])).then(
        ({ rows }) => send(res, 200, rows),
        () => send(res, 500, { detail: 'Database error.' }),
      );
      return;
    }
    if (method === 'POST') {
      return readJson(req, (body) => {
        const data = fields(body, false);
        if (!data) return sendInvalid(res);
        const item = data as ItemFields;
        answer(res, 201, insert([item.product, item.price, searchForm(item.product)]));
      });
    }
    return sendNotAllowed(res, method);
  }
  const match = DETAIL.exec(path);
  if (match) {
    const id = Number(match[1]);
    if (method === 'GET') return answer(res, 200, detail([id]));
    if (method === 'PUT' || method === 'PATCH') {
      return readJson(req, (body) => {
        const data = fields(body, method === 'PATCH');
        if (!data) return sendInvalid(res);
        answer(res, 200, (method === 'PUT' ? replace : patch)(writeValues(id, data)));
      });
    }
    if (method === 'DELETE') {
      remove([id]).then(
        ({ rowCount }) => {
          if (!rowCount) return sendNoItem(res);
          res.writeHead(204);
          res.end();
        },
        () => send(res, 500, { detail: 'Database error.' }),
      );
      return;
    }
    return sendNotAllowed(res, method);
  }
  sendNotFound(res);
});

// Listen only once the database answers: /healthz 200 means ready.
await pool.query('SELECT 1');
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 8002), process.env.HOST ?? '127.0.0.1');
const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
