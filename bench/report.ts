import { existsSync, readFileSync } from 'node:fs';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { ratioText } from './chart.js';
import { HAS_TASKSET, type Measurement, median, NPROC, type Scenario } from './lib.js';
import type { Run } from './rounds.js';

// The bench's figures from its runs: one row per backend, scenario and load shape, each the median
// of rounds, with pricebook's ratio to its reference server measured in the same round (SQLite:
// the in-memory ceiling; PostgreSQL: the PostgreSQL floor), and the targets at every load shape.

export type Backend = 'sqlite' | 'postgres';
export type Reference = 'ceiling' | 'floor';
export const REFERENCE: Record<Backend, Reference> = { sqlite: 'ceiling', postgres: 'floor' };

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

export interface Row {
  backend: Backend;
  scenario: string;
  label: string;
  connections: number;
  /** The server pricebook is measured against: the in-memory ceiling or the PostgreSQL floor. */
  reference: Reference;
  target: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  peakRssMB: number;
  reqPerCpuSecond: number;
  referenceRps: number;
  referenceReqPerCpuSecond: number;
  referencePeakRssMB: number;
  /** Median over rounds of (pricebook req/CPU-s ÷ reference req/CPU-s in the same round): the target metric. */
  ratioCpu: number;
  /** Lowest and highest of the per-round ratios. */
  ratioCpuMin: number;
  ratioCpuMax: number;
  /** Median over rounds of (pricebook req/s ÷ reference req/s in the same round). */
  ratioRps: number;
  /** PostgreSQL only: median over rounds of pricebook req/CPU-s ÷ the in-memory ceiling's (information). */
  ceilingRatioCpu?: number;
  /** PostgreSQL only: the database server's CPU per request, pricebook's and the floor's, µs (not counted). */
  postgresCpuPerRequestUs?: number;
  floorPostgresCpuPerRequestUs?: number;
  logMissing: number;
  met: boolean;
}

const perRound = (mine: Run[], theirs: Run[], pick: (m: Measurement, t: Measurement) => number) =>
  mine.map((r) => {
    const t = theirs.find((c) => c.round === r.round)?.m;
    return t ? pick(r.m, t) : Number.NaN;
  });

export function summarize(runs: Run[], backends: Backend[], scenarios: Scenario[], shapes: number[]): Row[] {
  const rows: Row[] = [];
  for (const backend of backends) {
    for (const scenario of scenarios) {
      for (const connections of shapes) {
        const of = (server: string) =>
          runs.filter((r) => r.server === server && r.scenario === scenario.name && r.connections === connections);
        const mine = of(backend);
        const reference = REFERENCE[backend];
        const theirs = of(reference);
        if (mine.length === 0) continue;
        const med = (pick: (m: Measurement) => number) => median(mine.map((r) => pick(r.m)));
        const tmed = (pick: (m: Measurement) => number) => median(theirs.map((r) => pick(r.m)));
        const ratios = perRound(mine, theirs, (m, t) => m.reqPerCpuSecond / t.reqPerCpuSecond).filter(Number.isFinite);
        const ratioCpu = median(ratios);
        const target = backend === 'sqlite' ? scenario.ceilingTarget : scenario.floorTarget;
        const row: Row = {
          backend,
          scenario: scenario.name,
          label: scenario.label,
          connections,
          reference,
          target,
          rps: med((m) => m.rps),
          p50: med((m) => m.p50),
          p99: med((m) => m.p99),
          errors: mine.reduce((s, r) => s + r.m.errors, 0),
          non2xx: mine.reduce((s, r) => s + r.m.non2xx, 0),
          peakRssMB: med((m) => m.peakRssMB),
          reqPerCpuSecond: med((m) => m.reqPerCpuSecond),
          referenceRps: tmed((m) => m.rps),
          referenceReqPerCpuSecond: tmed((m) => m.reqPerCpuSecond),
          referencePeakRssMB: tmed((m) => m.peakRssMB),
          ratioCpu,
          ratioCpuMin: Math.min(...ratios),
          ratioCpuMax: Math.max(...ratios),
          ratioRps: median(perRound(mine, theirs, (m, t) => m.rps / t.rps)),
          logMissing: mine.reduce((s, r) => s + (r.m.log?.missing ?? 0), 0),
          met: ratioCpu >= target,
        };
        if (backend === 'postgres') {
          const pgUs = (m: Measurement) => ((m.postgresCpuSeconds ?? 0) / m.requests) * 1e6;
          row.ceilingRatioCpu = median(perRound(mine, of('ceiling'), (m, t) => m.reqPerCpuSecond / t.reqPerCpuSecond));
          row.postgresCpuPerRequestUs = med(pgUs);
          row.floorPostgresCpuPerRequestUs = tmed(pgUs);
        }
        rows.push(row);
      }
    }
  }
  return rows;
}

export interface Target {
  name: string;
  /** The value at each load shape (connections → value); one value for the extras. */
  values: Record<string, number>;
  target: string;
  /** Met at every load shape. */
  met: boolean;
}

/** One target per backend and scenario, with its ratio at every load shape. */
export function scenarioTargets(rows: Row[]): Target[] {
  const targets = new Map<string, Target>();
  for (const r of rows) {
    const name = `${r.backend} ${r.scenario}: req/CPU-s ÷ ${r.reference}`;
    const entry = targets.get(name) ?? { name, values: {}, target: `≥ ${r.target}`, met: true };
    entry.values[r.connections] = r.ratioCpu;
    entry.met &&= r.met;
    targets.set(name, entry);
  }
  return [...targets.values()];
}

export function renderScenarioTables(rows: Row[], shapes: number[]): string[] {
  const lines = [
    `| backend | scenario | ÷ | target | ${shapes.map((c) => `**${c} conn**`).join(' | ')} | met at all |`,
    `| --- | --- | --- | ---: | ${shapes.map(() => '---:').join(' | ')} | :---: |`,
  ];
  const keys = [...new Set(rows.map((r) => `${r.backend}|${r.scenario}`))];
  for (const key of keys) {
    const group = rows.filter((r) => `${r.backend}|${r.scenario}` === key);
    const first = group[0] as Row;
    const cells = shapes.map((c) => {
      const r = group.find((g) => g.connections === c);
      return r ? `${ratioText(r.ratioCpu, r.target)} ${r.met ? '✓' : '✗'}` : '–';
    });
    lines.push(
      `| ${first.backend} | ${first.label} | ${first.reference} | ≥ ${first.target} | ${cells.join(' | ')} | ${group.every((r) => r.met) ? '✓' : '✗'} |`,
    );
  }
  lines.push(
    '',
    '| backend | scenario | conn | req/s | p50 ms | p99 ms | errors / non-2xx | peak RSS MB | req/CPU-s | reference | ref. req/s | ref. req/CPU-s | **ratio (CPU)** | range of rounds | ratio (req/s) | ÷ ceiling | log lines missing |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows) {
    lines.push(
      `| ${r.backend} | ${r.label} | ${r.connections} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} / ${r.non2xx} | ${fmt(r.peakRssMB)} | ` +
        `${fmt(r.reqPerCpuSecond)} | ${r.reference} | ${fmt(r.referenceRps)} | ${fmt(r.referenceReqPerCpuSecond)} | **${fmt(r.ratioCpu, 3)}** | ` +
        `${fmt(r.ratioCpuMin, 2)}–${fmt(r.ratioCpuMax, 2)} | ${fmt(r.ratioRps, 3)} | ${r.ceilingRatioCpu === undefined ? '' : fmt(r.ceilingRatioCpu, 3)} | ${r.logMissing} |`,
    );
  }
  return lines;
}

export function commandLine(): string {
  const rest = process.argv.slice(2).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${rest ? ` -- ${rest}` : ''}`;
  return `node --import tsx bench/run.ts${rest ? ` ${rest}` : ''}`;
}

export function machineInfo() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    nproc: NPROC,
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    os: `${osType()} ${release()}`,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    taskset: HAS_TASKSET,
  };
}
