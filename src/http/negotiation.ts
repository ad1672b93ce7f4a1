import { notAcceptable, notFound } from './errors.js';

// DRF's content negotiation over its two renderers, JSON first, then the browsable HTML API.
// ?format= narrows the renderers to the one it names (Accept must still allow it); the most
// specific Accept entries are tried first and, among equally specific ones, the first listed that
// a renderer can satisfy wins. q is ignored.

export type Renderer = 'json' | 'html';

const RENDERERS: ReadonlyArray<{ format: string; type: string; subtype: string; renderer: Renderer }> = [
  { format: 'json', type: 'application', subtype: 'json', renderer: 'json' },
  { format: 'api', type: 'text', subtype: 'html', renderer: 'html' },
];

export function negotiate(format: string | undefined, accept: string | undefined): Renderer {
  if (!format && (!accept || accept === '*/*' || accept === 'application/json')) return 'json';
  const renderers = format ? RENDERERS.filter((r) => r.format === format) : RENDERERS;
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
