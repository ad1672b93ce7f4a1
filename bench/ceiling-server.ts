import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

// The ceiling: a bare node:http server answering the benchmarked routes of the items API from an
// in-memory Map with JSON.stringify. No logging, no database, no framework — what Node can do at
// all on this machine. It validates just enough to answer the same statuses as pricebook for the
// bench's requests. POST /__seed {"n": N} replaces the data with the bench's data set (ids 1..N,
// product "P<id % 1000>", price = id); a product index keeps ?product= from scanning every item.

interface Item {
  id: number;
  product: string;
  price: number;
}

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

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req: IncomingMessage, then: (body: Record<string, unknown> | undefined) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      then(
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? (value as Record<string, unknown>)
          : undefined,
      );
    } catch {
      then(undefined);
    }
  });
}

function fields(body: Record<string, unknown> | undefined, partial: boolean): Partial<Omit<Item, 'id'>> | undefined {
  if (!body) return undefined;
  const { product, price } = body;
  if (product === undefined ? !partial : typeof product !== 'string' || product.trim() === '' || product.length > 20)
    return undefined;
  if (price === undefined ? !partial : !Number.isInteger(price) || (price as number) < 0) return undefined;
  const result: Partial<Omit<Item, 'id'>> = {};
  if (product !== undefined) result.product = (product as string).trim();
  if (price !== undefined) result.price = price as number;
  return result;
}

const DETAIL = /^\/api\/items\/(\d+)\/?$/;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';

  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': 2 });
    return res.end('OK');
  }
  if (path === '/api/items/' || path === '/api/items') {
    if (method === 'GET') {
      const product = q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get('product');
      const source = product ? byProduct.get(product.trim())?.values() : items.values();
      return send(res, 200, source ? Array.from(source) : []);
    }
    if (method === 'POST') {
      return readJson(req, (body) => {
        const data = fields(body, false);
        if (!data) return send(res, 400, { detail: 'Invalid.' });
        const item = { id: nextId++, product: data.product as string, price: data.price as number };
        items.set(item.id, item);
        index(item);
        send(res, 201, item);
      });
    }
    return send(res, 405, { detail: `Method "${method}" not allowed.` });
  }
  const match = DETAIL.exec(path);
  if (match) {
    const item = items.get(Number(match[1]));
    if (!item) return send(res, 404, { detail: 'No Item matches the given query.' });
    if (method === 'GET') return send(res, 200, item);
    if (method === 'PUT' || method === 'PATCH') {
      return readJson(req, (body) => {
        const data = fields(body, method === 'PATCH');
        if (!data) return send(res, 400, { detail: 'Invalid.' });
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
    return send(res, 405, { detail: `Method "${method}" not allowed.` });
  }
  if (path === '/__seed' && method === 'POST') {
    return readJson(req, (body) => {
      seed(Number(body?.n ?? 0));
      send(res, 200, { count: items.size });
    });
  }
  res.writeHead(404, { 'content-type': 'text/html' });
  res.end('<h1>Not Found</h1>');
});

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 8001), process.env.HOST ?? '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
