import type { IncomingMessage, ServerResponse } from 'node:http';

// What the bench's two bare reference servers share: the in-memory ceiling (ceiling-server.ts)
// and the PostgreSQL floor (floor-server.ts). Just enough HTTP to answer the bench's requests
// with the same statuses and item shape as pricebook: no framework, no logging.

export interface Item {
  id: number;
  product: string;
  price: number;
}

export type ItemFields = Omit<Item, 'id'>;

export const DETAIL = /^\/api\/items\/(\d+)\/?$/;

export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendHealthy(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': 2 });
  res.end('OK');
}

export function sendNotFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/html' });
  res.end('<h1>Not Found</h1>');
}

export const sendNoItem = (res: ServerResponse) => send(res, 404, { detail: 'No Item matches the given query.' });
export const sendInvalid = (res: ServerResponse) => send(res, 400, { detail: 'Invalid.' });
export const sendNotAllowed = (res: ServerResponse, method: string) =>
  send(res, 405, { detail: `Method "${method}" not allowed.` });

export function readJson(req: IncomingMessage, then: (body: Record<string, unknown> | undefined) => void): void {
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

/** The item fields of a body (all of them unless `partial`), or undefined when invalid. */
export function fields(body: Record<string, unknown> | undefined, partial: boolean): Partial<ItemFields> | undefined {
  if (!body) return undefined;
  const { product, price } = body;
  if (product === undefined ? !partial : typeof product !== 'string' || product.trim() === '' || product.length > 20)
    return undefined;
  if (price === undefined ? !partial : !Number.isInteger(price) || (price as number) < 0) return undefined;
  const result: Partial<ItemFields> = {};
  if (product !== undefined) result.product = (product as string).trim();
  if (price !== undefined) result.price = price as number;
  return result;
}

/** The path and the `product` query parameter (null when absent) of a request URL. */
export function parseUrl(url: string): { path: string; product: string | null } {
  const q = url.indexOf('?');
  if (q === -1) return { path: url, product: null };
  return { path: url.slice(0, q), product: new URLSearchParams(url.slice(q + 1)).get('product') };
}
