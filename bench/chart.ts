import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// bench/results.svg: pricebook's requests per CPU-second as a multiple of its reference server's
// (SQLite: the in-memory ceiling; PostgreSQL: the PostgreSQL floor), per scenario, backend and
// load shape, with each target marked. Plain SVG, no dependencies. The scale is logarithmic:
// the full runs so far put the ratios between about 0.2× and 62×, and the targets near 1×.
// Standalone: node --import tsx bench/chart.ts [bench/results.json] [bench/results.svg]

export interface ChartInput {
  date: string;
  command: string;
  machine: { cpuModel: string; nproc: number; node: string };
  scenarios: {
    backend: string;
    scenario: string;
    label: string;
    /** Absent in results of a single load shape. */
    connections?: number;
    reference?: string;
    target: number;
    ratioCpu: number;
    ratioRps: number;
  }[];
}

const COLORS: Record<string, string[]> = { sqlite: ['#2f6fb0', '#8db6e0'], postgres: ['#c46a12', '#f0b97c'] };
const REFERENCE_NAMES: Record<string, string> = { ceiling: 'in-memory ceiling', floor: 'PostgreSQL floor' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(results: ChartInput): string {
  const rows = results.scenarios;
  const backends = [...new Set(rows.map((r) => r.backend))];
  const shapes = [...new Set(rows.map((r) => r.connections))];
  const scenarios = [...new Map(rows.map((r) => [r.scenario, r])).values()];
  const barW = 22;
  const backendW = shapes.length * barW + 8;
  const groupW = backends.length * backendW + 26;
  const left = 60;
  const top = 76;
  const plotH = 280;
  const width = Math.max(760, left + scenarios.length * groupW + 30);
  const height = top + plotH + 96;
  const { low, high, ticks } = logScale(rows.flatMap((r) => [r.ratioCpu, r.target]));
  const y = (v: number) => {
    const clamped = Math.min(Math.max(v, low), high);
    return top + plotH - (Math.log10(clamped / low) / Math.log10(high / low)) * plotH;
  };
  const shapeName = (c: number | undefined) => (c === undefined ? '' : ` @ ${c} conn`);
  const color = (backend: string, shape: number) => COLORS[backend]?.[shape % 2] ?? (shape % 2 ? '#bbb' : '#777');
  const references = backends.map((backend) => {
    const reference = rows.find((r) => r.backend === backend)?.reference ?? 'ceiling';
    return `${backend} ÷ ${REFERENCE_NAMES[reference] ?? reference}`;
  });
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="pricebook requests per CPU-second as a multiple of its reference server, per scenario" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>pricebook ÷ reference server (${esc(references.join(', '))}), requests per server CPU-second</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="15" font-weight="bold">pricebook ÷ reference server — requests per server CPU-second</text>`,
    `<text x="${left}" y="38" fill="#333">${esc(references.join(' · '))} · logarithmic scale</text>`,
    `<text x="${left}" y="56" fill="#555">${esc(`${results.date.slice(0, 10)} · ${results.machine.cpuModel} · nproc ${results.machine.nproc} · Node ${results.machine.node} · ${results.command}`)}</text>`,
  );
  for (const v of ticks) {
    const stroke = v === low ? '#000' : v === 1 ? '#999' : '#e4e4e4';
    out.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="${stroke}"/>`,
      `<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v}×</text>`,
    );
  }
  scenarios.forEach((s, i) => {
    const x0 = left + 16 + i * groupW;
    backends.forEach((backend, j) => {
      const xb = x0 + j * backendW;
      let target: number | undefined;
      shapes.forEach((connections, k) => {
        const row = rows.find(
          (r) => r.scenario === s.scenario && r.backend === backend && r.connections === connections,
        );
        if (!row || !Number.isFinite(row.ratioCpu)) return;
        target = row.target;
        const x = xb + k * barW;
        out.push(
          `<rect x="${x}" y="${y(row.ratioCpu)}" width="${barW - 3}" height="${y(low) - y(row.ratioCpu)}" fill="${color(backend, k)}"><title>${esc(`${backend} ${row.label}${shapeName(connections)}: ${row.ratioCpu.toFixed(3)}× the ${row.reference ?? 'ceiling'} (req/s ${row.ratioRps.toFixed(3)}×), target ${row.target}×`)}</title></rect>`,
          `<text x="${x + (barW - 3) / 2}" y="${y(row.ratioCpu) - 4}" text-anchor="middle" font-size="9"${row.ratioCpu >= row.target ? '' : ' fill="#c00" font-weight="bold"'}>${ratioText(row.ratioCpu, row.target)}</text>`,
        );
      });
      if (target !== undefined) {
        out.push(
          `<line x1="${xb - 2}" x2="${xb + shapes.length * barW - 1}" y1="${y(target)}" y2="${y(target)}" stroke="#c00" stroke-width="2" stroke-dasharray="4 3"><title>${esc(`${backend} target ${target}×`)}</title></line>`,
        );
      }
    });
    const w = backends.length * backendW - 8;
    out.push(
      `<text x="${x0 + w / 2}" y="${top + plotH + 16}" text-anchor="middle">${esc(s.scenario)}</text>`,
      `<text x="${x0 + w / 2}" y="${top + plotH + 30}" text-anchor="middle" fill="#777" font-size="10">${esc(
        backends
          .map((b) => rows.find((r) => r.scenario === s.scenario && r.backend === b)?.target)
          .filter((t) => t !== undefined)
          .map((t) => `≥ ${t}`)
          .join(' / '),
      )}</text>`,
    );
  });
  let lx = left;
  const ly = height - 30;
  for (const backend of backends) {
    shapes.forEach((connections, k) => {
      out.push(
        `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color(backend, k)}"/>`,
        `<text x="${lx + 16}" y="${ly}">${esc(`${backend}${shapeName(connections)}`)}</text>`,
      );
      lx += 150;
    });
  }
  out.push(
    `<line x1="${left}" x2="${left + 22}" y1="${ly + 16}" y2="${ly + 16}" stroke="#c00" stroke-width="2" stroke-dasharray="4 3"/>`,
    `<text x="${left + 28}" y="${ly + 20}">target of that backend (value in red: missed)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

/** Two decimals, or three where two would round a miss up to its target (0.795 against 0.8). */
export const ratioText = (ratio: number, target: number) =>
  ratio < target && Number(ratio.toFixed(2)) >= target ? ratio.toFixed(3) : ratio.toFixed(2);

/** Whole powers of ten around every value and 1×, with a line at 1, 2 and 5 of each power. */
function logScale(values: number[]): { low: number; high: number; ticks: number[] } {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(1, ...positive)));
  const high = Math.max(10 ** Math.ceil(Math.log10(Math.max(1, ...positive))), low * 10);
  const ticks: number[] = [];
  for (let power = low; power < high; power *= 10) {
    for (const step of [1, 2, 5]) ticks.push(Number((power * step).toPrecision(1)));
  }
  ticks.push(Number(high.toPrecision(1)));
  return { low: ticks[0] as number, high: ticks.at(-1) as number, ticks };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const input = process.argv[2] ?? fileURLToPath(new URL('results.json', import.meta.url));
  const output = process.argv[3] ?? input.replace(/\.json$/, '.svg');
  writeFileSync(output, renderChart(JSON.parse(readFileSync(input, 'utf8')) as ChartInput));
  console.log(`wrote ${output}`);
}
