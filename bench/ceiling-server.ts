import { createServer } from 'node:http';
import {
  DETAIL,
  fields,
  type Item,
  parseUrl,
  readJson,
  send,
  sendHealthy,
  sendInvalid,
  sendNoItem,
  sendNotAllowed,
  sendNotFound,
} from './bare-http.js';

// The ceiling: a bare node:http server answering the benchmarked routes of the items API from an
// in-memory Map with JSON.stringify. No logging, no database, no framework — what Node can do at
// all on this machine. It validates just enough to answer the same statuses as pricebook for the
// bench's requests. POST /__seed {"n": N} replaces the data with the bench's data set (ids 1..N,
// product "P<id % 1000>", price = id); a product index keeps ?product= from scanning every item.

const items = new Map<number, Item>();
const byProduct = new Map<string, Map<number, Item>>();
let nextId = 1;

function index(item: Item): void {
  let group = byProduct.get(item.product);
  if (!group) {
    group = new Map();
    byProduct.set(item.product, group);
  }
  group.set(item.id, item);
}

function unindex(item: Item): void {
  byProduct.get(item.product)?.delete(item.id);
}

function seed(n: number): void {
  items.clear();
  byProduct.clear();
  for (let id = 1; id <= n; id++) {
    const item = { id, product: `P${id % 1000}`, price: id };
    items.set(id, item);
    index(item);
  }
  nextId = n + 1;
}

const server = createServer((req, res) => {
  const { path, product } = parseUrl(req.url ?? '/');
  const method = req.method ?? 'GET';

  if (path === '/healthz') return sendHealthy(res);
  if (path === '/api/items/' || path === '/api/items') {
    if (method === 'GET') {
      const source = product ? byProduct.get(product.trim())?.values() : items.values();
      return send(res, 200, source ? Array.from(source) : []);
    }
    if (method === 'POST') {
      return readJson(req, (body) => {
        const data = fields(body, false);
        if (!data) return sendInvalid(res);
        const item = { id: nextId++, product: data.product as string, price: data.price as number };
        items.set(item.id, item);
        index(item);
        send(res, 201, item);
      });
    }
    return sendNotAllowed(res, method);
  }
  const match = DETAIL.exec(path);
  if (match) {
    const item = items.get(Number(match[1]));
    if (!item) return sendNoItem(res);
    if (method === 'GET') return send(res, 200, item);
    if (method === 'PUT' || method === 'PATCH') {
      return readJson(req, (body) => {
        const data = fields(body, method === 'PATCH');
        if (!data) return sendInvalid(res);
        unindex(item);
        Object.assign(item, data);
        index(item);
        send(res, 200, item);
      });
    }
    if (method === 'DELETE') {
      items.delete(item.id);
      unindex(item);
      res.writeHead(204);
      return res.end();
    }
    return sendNotAllowed(res, method);
  }
  if (path === '/__seed' && method === 'POST') {
    return readJson(req, (body) => {
      seed(Number(body?.n ?? 0));
      send(res, 200, { count: items.size });
    });
  }
  sendNotFound(res);
});

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 8001), process.env.HOST ?? '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
