import { notAcceptable, notFound } from './errors.js';

// DRF's content negotiation over its two renderers, JSON first, then the browsable HTML API; a
// route may add CSV (the list does), after them, so that no Accept that chose JSON or HTML before
// chooses otherwise now.
// ?format= narrows the renderers to the one it names (Accept must still allow it); the most
// specific Accept entries are tried first and, among equally specific ones, the first listed that
// a renderer can satisfy wins. q is ignored.

export type Renderer = 'json' | 'html' | 'csv';

/** Renderers a route may add to the two every API URL has. */
export type ExtraRenderer = Exclude<Renderer, 'json' | 'html'>;

interface RendererEntry {
  format: string;
  type: string;
  subtype: string;
  renderer: Renderer;
}

const RENDERERS: readonly RendererEntry[] = [
  { format: 'json', type: 'application', subtype: 'json', renderer: 'json' },
  { format: 'api', type: 'text', subtype: 'html', renderer: 'html' },
];

const EXTRA: Record<ExtraRenderer, RendererEntry> = {
  csv: { format: 'csv', type: 'text', subtype: 'csv', renderer: 'csv' },
};

export function negotiate(
  format: string | undefined,
  accept: string | undefined,
  extra: readonly ExtraRenderer[] = [],
): Renderer {
  if (!format && (!accept || accept === '*/*' || accept === 'application/json')) return 'json';
  const offered = extra.length === 0 ? RENDERERS : [...RENDERERS, ...extra.map((name) => EXTRA[name])];
  const renderers = format ? offered.filter((r) => r.format === format) : offered;
  const [first] = renderers;
  if (!first) throw notFound();
  if (!accept) return first.renderer;

  const entries = accept
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const [type = '', subtype = ''] = range.split('/');
      const precedence = type === '*' ? 0 : subtype === '*' ? 1 : params.some((p) => !p.startsWith('q=')) ? 3 : 2;
      return { type, subtype, precedence };
    })
    .filter((entry) => entry.type !== '');
  if (entries.length === 0) return first.renderer;

  for (let precedence = 3; precedence >= 0; precedence--) {
    for (const entry of entries) {
      if (entry.precedence !== precedence) continue;
      const match = renderers.find(
        (r) => (entry.type === '*' || entry.type === r.type) && (entry.subtype === '*' || entry.subtype === r.subtype),
      );
      if (match) return match.renderer;
    }
  }
  throw notAcceptable();
}
