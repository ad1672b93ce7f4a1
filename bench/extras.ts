import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  HAS_TASKSET,
  LOAD_CPU,
  type LoadOptions,
  type Measurement,
  measure,
  median,
  NPROC,
  pinSelf,
  SCENARIOS,
  type Scenario,
  type Server,
  sqliteSeeder,
  tempDir,
} from './lib.js';
import { rssSampler } from './proc.js';
import { fmt } from './report.js';
import type { Run } from './rounds.js';

// The bench's figures beyond the scenarios, all on SQLite: cold start, WORKERS=2 scale-out and
// streaming of very large lists.

export type StartPricebook = (
  name: string,
  dir: string,
  extra?: Record<string, string>,
  pin?: boolean,
) => Promise<Server & { startMs: number }>;

export interface ExtrasPlan {
  dir: string;
  quick: boolean;
  rounds: number;
  load: LoadOptions;
  startPricebook: StartPricebook;
  log(line: string): void;
  /** Receives the WORKERS runs (kept in results.json with the others). */
  record(run: Run): void;
}

export async function runExtras(plan: ExtrasPlan) {
  const coldStart = await measureColdStart(plan);
  const workers = await measureWorkers(plan);
  const streaming = await measureStreaming(plan);
  return { coldStart, workers, streaming };
}

export type Extras = Awaited<ReturnType<typeof runExtras>>;

/** Spawn → first /healthz 200, pinned, on a new SQLite file (migration included) and on an existing one. */
async function measureColdStart({ dir, quick, startPricebook, log }: ExtrasPlan) {
  const tries = quick ? 2 : 5;
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < tries; i++) {
    const d = tempDir(dir, `cold${i}`);
    for (const list of [fresh, existing]) {
      const server = await startPricebook(`cold-${i}`, d);
      list.push(server.startMs);
      await server.stop();
    }
  }
  const coldStart = {
    freshDbMs: median(fresh),
    existingDbMs: median(existing),
    samplesFresh: fresh,
    samplesExisting: existing,
  };
  log(`cold start: new DB ${fmt(coldStart.freshDbMs)} ms, existing DB ${fmt(coldStart.existingDbMs)} ms`);
  return coldStart;
}

/** WORKERS=2 vs WORKERS=1, both unpinned (the load generator too), detail, alternating. */
async function measureWorkers({ dir, rounds, load, startPricebook, log, record }: ExtrasPlan) {
  const detail = SCENARIOS.find((s) => s.name === 'detail') as Scenario;
  pinSelf(HAS_TASKSET ? `0-${LOAD_CPU}` : '0');
  const perWorkers: Record<'1' | '2', Measurement[]> = { '1': [], '2': [] };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const workers of round % 2 ? (['1', '2'] as const) : (['2', '1'] as const)) {
        const d = tempDir(dir, `workers${workers}-${round}`);
        const server = await startPricebook(`workers${workers}`, d, { WORKERS: workers }, false);
        const seeder = sqliteSeeder(join(d, 'db.sqlite3'));
        try {
          await seeder.seed(detail.seed);
          // /healthz answered from the first worker; give the others time to listen.
          if (workers !== '1') await sleep(1500);
          const m = await measure(server, detail.requests(), load);
          perWorkers[workers].push(m);
          log(
            `WORKERS=${workers} round ${round}: ${fmt(m.rps)} req/s, ${fmt(m.reqPerCpuSecond)} req/CPU-s, log missing ${m.log?.missing}`,
          );
          record({ round, scenario: `detail-workers${workers}`, connections: load.connections, server: 'sqlite', m });
        } finally {
          await seeder.close();
          await server.stop();
        }
      }
    }
  } finally {
    pinSelf(LOAD_CPU);
  }
  const rps1 = median(perWorkers['1'].map((m) => m.rps));
  const reqPerCpuSecond1 = median(perWorkers['1'].map((m) => m.reqPerCpuSecond));
  // The load generator shares the machine: what it needs per request bounds what any number of
  // workers can serve here (all cores ÷ (server + load generator CPU per request)).
  const loadCpuPerRequestUs = median(perWorkers['1'].map((m) => m.loadCpuPerRequestUs));
  const workers = {
    workers1Rps: rps1,
    workers2Rps: median(perWorkers['2'].map((m) => m.rps)),
    ratio: median(perWorkers['2'].map((m, i) => m.rps / (perWorkers['1'][i]?.rps ?? Number.NaN))),
    workers1ReqPerCpuSecond: reqPerCpuSecond1,
    workers2ReqPerCpuSecond: median(perWorkers['2'].map((m) => m.reqPerCpuSecond)),
    workers2PeakRssMB: median(perWorkers['2'].map((m) => m.peakRssMB)),
    loadCpuPerRequestUs,
    machineBoundRatio: (NPROC * 1e6) / (1e6 / reqPerCpuSecond1 + loadCpuPerRequestUs) / rps1,
    errorsAndNon2xx: [...perWorkers['1'], ...perWorkers['2']].reduce((sum, m) => sum + m.errors + m.non2xx, 0),
  };
  log(`WORKERS=2 / WORKERS=1 on detail: ${fmt(workers.ratio, 2)}×`);
  return workers;
}

/** One GET /api/items/ of N items on a fresh pinned server: peak RSS and time. */
async function measureStreaming({ dir, quick, startPricebook, log }: ExtrasPlan) {
  const sizes: {
    items: number;
    ms: number;
    firstByteMs: number;
    bytes: number;
    received: number;
    peakRssMB: number;
  }[] = [];
  for (const n of quick ? [10_000, 100_000] : [100_000, 1_000_000]) {
    const d = tempDir(dir, `stream${n}`);
    const server = await startPricebook(`stream-${n}`, d, { LOG_FILE: '' });
    const seeder = sqliteSeeder(join(d, 'db.sqlite3'));
    try {
      await seeder.seed(n);
      const sampler = rssSampler(server.pid, 10);
      const got = await fetchAll(`${server.url}/api/items/`);
      const peakRssMB = sampler.stop();
      sizes.push({ items: n, ...got, peakRssMB });
      log(
        `stream ${fmt(n)} items: ${fmt(got.ms)} ms (first byte ${fmt(got.firstByteMs)} ms), ${fmt(got.bytes / 1e6, 1)} MB, ${fmt(got.received)} items received, peak RSS ${fmt(peakRssMB)} MB`,
      );
    } finally {
      await seeder.close();
      await server.stop();
    }
  }
  const [small, large] = sizes;
  const perItemTimeRatio = small && large ? large.ms / large.items / (small.ms / small.items) : Number.NaN;
  return { sizes, perItemTimeRatio };
}

/** One GET read to the end: total time, time to first byte, bytes, and items (counted as `}`). */
function fetchAll(url: string): Promise<{ ms: number; firstByteMs: number; bytes: number; received: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstByteMs = 0;
    let bytes = 0;
    let received = 0;
    const req = request(url, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) firstByteMs = performance.now() - t0;
        bytes += chunk.length;
        for (let i = chunk.indexOf(125); i !== -1; i = chunk.indexOf(125, i + 1)) received++;
      });
      res.on('end', () =>
        res.statusCode === 200
          ? resolve({ ms: performance.now() - t0, firstByteMs, bytes, received })
          : reject(new Error(`status ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.setTimeout(600_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The extras' targets (one value each) and their lines under the tables. */
export function extrasTargets({ coldStart, workers, streaming }: Extras) {
  const targets = [
    {
      name: 'cold start (new SQLite DB), ms',
      values: { '': coldStart.freshDbMs },
      target: '< 500',
      met: coldStart.freshDbMs < 500,
    },
    {
      // Two workers can only show 1.7× where the cores suffice for them and the load generator.
      name: `WORKERS=2 ÷ WORKERS=1 req/s, detail${workers.machineBoundRatio < 1.7 ? ` (not measurable here: ${NPROC} cores allow at most ${fmt(workers.machineBoundRatio, 2)}×, see above)` : ''}`,
      values: { '': workers.ratio },
      target: '≥ 1.7',
      met: workers.ratio >= 1.7,
    },
  ];
  const largest = streaming.sizes.at(-1);
  if (largest) {
    targets.push({
      name: `stream ${largest.items.toLocaleString('en-US')} items: peak RSS MB`,
      values: { '': largest.peakRssMB },
      target: '< 150',
      met: largest.peakRssMB < 150 && largest.received === largest.items,
    });
  }
  targets.push({
    name: 'stream: time per item, large ÷ small',
    values: { '': streaming.perItemTimeRatio },
    target: '≤ 1.25 (linear)',
    met: streaming.perItemTimeRatio <= 1.25,
  });
  return targets;
}

export function renderExtras({ coldStart, workers, streaming }: Extras, connections: number): string[] {
  return [
    `- Cold start to first \`/healthz\` 200 (SQLite, pinned): new database ${fmt(coldStart.freshDbMs)} ms, existing database ${fmt(coldStart.existingDbMs)} ms (median).`,
    `- Detail, unpinned, ${connections} connections: WORKERS=1 ${fmt(workers.workers1Rps)} req/s, WORKERS=2 ${fmt(workers.workers2Rps)} req/s → **${fmt(workers.ratio, 2)}×** ` +
      `(req/CPU-s ${fmt(workers.workers1ReqPerCpuSecond)} vs ${fmt(workers.workers2ReqPerCpuSecond)}). ` +
      `The load generator needs ${fmt(workers.loadCpuPerRequestUs, 1)} µs of CPU per request, pricebook ` +
      `${fmt(1e6 / workers.workers1ReqPerCpuSecond, 1)} µs: ${NPROC} cores can serve at most ` +
      `${fmt(workers.machineBoundRatio, 2)}× the single worker's req/s here, with any number of workers.`,
    ...streaming.sizes.map(
      (s) =>
        `- List of ${fmt(s.items)} items (one GET, SQLite): ${fmt(s.ms)} ms, first byte after ${fmt(s.firstByteMs)} ms, ${fmt(s.bytes / 1e6, 1)} MB, peak RSS ${fmt(s.peakRssMB)} MB.`,
    ),
    `- Time per item, largest ÷ smallest list: ${fmt(streaming.perItemTimeRatio, 2)} (1.00 = linear).`,
  ];
}
