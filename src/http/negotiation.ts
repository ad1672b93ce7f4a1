import { notAcceptable, notFound } from './errors.js';

// DRF's content negotiation over its two renderers, JSON first, then the browsable HTML API.
// ?format= wins over Accept; otherwise the most specific Accept entries are tried first and,
// among equally specific ones, the first listed that a renderer can satisfy wins. q is ignored.

export type Renderer = 'json' | 'html';

const RENDERERS: ReadonlyArray<{ format: string; type: string; subtype: string; renderer: Renderer }> = [
  { format: 'json', type: 'application', subtype: 'json', renderer: 'json' },
  { format: 'api', type: 'text', subtype: 'html', renderer: 'html' },
];

export function negotiate(format: string | undefined, accept: string | undefined): Renderer {
  if (format) {
    const match = RENDERERS.find((r) => r.format === format);
    if (!match) throw notFound();
    return match.renderer;
  }
  if (!accept || accept === '*/*' || accept === 'application/json') return 'json';

  const entries = accept
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const [type = '', subtype = ''] = range.split('/');
      const precedence = type === '*' ? 0 : subtype === '*' ? 1 : params.some((p) => !p.startsWith('q=')) ? 3 : 2;
      return { type, subtype, precedence };
    })
    .filter((entry) => entry.type !== '');
  if (entries.length === 0) return 'json';

  for (let precedence = 3; precedence >= 0; precedence--) {
    for (const entry of entries) {
      if (entry.precedence !== precedence) continue;
      const match = RENDERERS.find(
        (r) => (entry.type === '*' || entry.type === r.type) && (entry.subtype === '*' || entry.subtype === r.subtype),
      );
      if (match) return match.renderer;
    }
  }
  throw notAcceptable();
}
