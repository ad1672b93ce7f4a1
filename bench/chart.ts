import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// bench/results.svg: pricebook's requests per CPU-second as a fraction of the ceiling's, per
// scenario and backend, with each scenario's target marked. Plain SVG, no dependencies.
// Standalone: node --import tsx bench/chart.ts [bench/results.json] [bench/results.svg]

export interface ChartInput {
  date: string;
  command: string;
  machine: { cpuModel: string; nproc: number; node: string };
  scenarios: { backend: string; scenario: string; label: string; target: number; ratioCpu: number; ratioRps: number }[];
}

const COLORS: Record<string, string> = { sqlite: '#2f6fb0', postgres: '#e08a2c' };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(results: ChartInput): string {
  const backends = [...new Set(results.scenarios.map((r) => r.backend))];
  const scenarios = [...new Map(results.scenarios.map((r) => [r.scenario, r])).values()];
  const barW = 28;
  const groupW = backends.length * barW + 36;
  const left = 60;
  const top = 58;
  const plotH = 260;
  const width = Math.max(640, left + scenarios.length * groupW + 30);
  const height = top + plotH + 92;
  const max = Math.max(1, ...results.scenarios.map((r) => r.ratioCpu).filter(Number.isFinite));
  const scaleMax = Math.ceil(max * 4) / 4;
  const y = (v: number) => top + plotH - (Math.min(v, scaleMax) / scaleMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="pricebook requests per CPU-second as a fraction of the ceiling, per scenario" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<title>pricebook ÷ bare node:http ceiling, requests per server CPU-second, per scenario</title>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="15" font-weight="bold">pricebook ÷ bare node:http ceiling — requests per server CPU-second</text>`,
    `<text x="${left}" y="38" fill="#555">${esc(`${results.date.slice(0, 10)} · ${results.machine.cpuModel} · nproc ${results.machine.nproc} · Node ${results.machine.node} · ${results.command}`)}</text>`,
  );
  for (let v = 0; v <= scaleMax + 1e-9; v += 0.25) {
    out.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 0 ? '#000' : '#e4e4e4'}"/>`,
      `<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}×</text>`,
    );
  }
  scenarios.forEach((s, i) => {
    const x0 = left + 18 + i * groupW;
    backends.forEach((backend, j) => {
      const row = results.scenarios.find((r) => r.scenario === s.scenario && r.backend === backend);
      if (!row || !Number.isFinite(row.ratioCpu)) return;
      const x = x0 + j * barW;
      const fill = COLORS[backend] ?? '#888';
      out.push(
        `<rect x="${x}" y="${y(row.ratioCpu)}" width="${barW - 4}" height="${y(0) - y(row.ratioCpu)}" fill="${fill}" opacity="${row.ratioCpu >= row.target ? 1 : 0.55}"><title>${esc(`${backend} ${row.label}: ${row.ratioCpu.toFixed(3)}× (req/s ${row.ratioRps.toFixed(3)}×), target ${row.target}×`)}</title></rect>`,
        `<text x="${x + (barW - 4) / 2}" y="${y(row.ratioCpu) - 4}" text-anchor="middle" font-size="10">${row.ratioCpu.toFixed(2)}</text>`,
      );
    });
    const w = backends.length * barW - 4;
    out.push(
      `<line x1="${x0 - 4}" x2="${x0 + w + 4}" y1="${y(s.target)}" y2="${y(s.target)}" stroke="#c00" stroke-width="2" stroke-dasharray="5 3"><title>target ${s.target}×</title></line>`,
      `<text x="${x0 + w / 2}" y="${top + plotH + 16}" text-anchor="middle">${esc(s.scenario)}</text>`,
      `<text x="${x0 + w / 2}" y="${top + plotH + 30}" text-anchor="middle" fill="#777" font-size="10">target ${s.target}×</text>`,
    );
  });
  const ly = height - 26;
  let lx = left;
  for (const backend of backends) {
    out.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[backend] ?? '#888'}"/>`,
      `<text x="${lx + 16}" y="${ly}">pricebook on ${backend}</text>`,
    );
    lx += 150;
  }
  out.push(
    `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="#c00" stroke-width="2" stroke-dasharray="5 3"/>`,
    `<text x="${lx + 28}" y="${ly}">target (pale bar: missed)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const input = process.argv[2] ?? fileURLToPath(new URL('results.json', import.meta.url));
  const output = process.argv[3] ?? input.replace(/\.json$/, '.svg');
  writeFileSync(output, renderChart(JSON.parse(readFileSync(input, 'utf8')) as ChartInput));
  console.log(`wrote ${output}`);
}
