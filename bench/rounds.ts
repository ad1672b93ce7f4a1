import {
  alive,
  type LoadOptions,
  loadFor,
  type Measurement,
  measureTogether,
  type Scenario,
  type Server,
  waitUntilIdle,
} from './lib.js';

// The measured rounds shared by the bench and its comparison mode: every round starts each
// contender's server, then for each scenario and load shape measures every contender back to back
// (the order flips every round), re-seeding the data set before each measurement.

/** One server under test for one round: its server, its data, its connections. */
export interface RoundEntry {
  start(): Promise<Server>;
  seed(server: Server, n: number): Promise<void>;
  close(): Promise<void>;
}

export interface Contender {
  /** Its name in the results: `sqlite`, `floor`, `A-postgres`… */
  key: string;
  /** Also measure the local PostgreSQL server's CPU during its runs. */
  postgres: boolean;
  open(round: number): Promise<RoundEntry>;
}

export interface Run {
  round: number;
  scenario: string;
  connections: number;
  server: string;
  m: Measurement;
}

export interface RoundsPlan {
  /** In the order of the first round, pairs that are compared side by side next to each other. */
  contenders: Contender[];
  scenarios: Scenario[];
  rounds: number;
  /** Connections of each load shape. */
  shapes: number[];
  load: Omit<LoadOptions, 'connections'>;
  /**
   * Seconds each server runs every scenario, unmeasured, once it has started: a server that has
   * served for a while has compiled its code, so no measurement pays for compiling it.
   */
  serverWarmup: number;
  /** Load each pair of contenders at the same time instead of one after the other. */
  together?: boolean;
  log(line: string): void;
}

type Target = { contender: Contender; entry: RoundEntry; server: Server };

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function runRounds(plan: RoundsPlan): Promise<Run[]> {
  const runs: Run[] = [];
  const width = Math.max(...plan.contenders.map((c) => c.key.length));
  for (let round = 1; round <= plan.rounds; round++) {
    const entries: Target[] = [];
    try {
      // In list order: pricebook on PostgreSQL migrates the database the floor then reads.
      for (const contender of plan.contenders) {
        const entry = await contender.open(round);
        entries.push({ contender, entry, server: await entry.start() });
      }
      for (const target of entries) await warmUp(target, plan);
      const order = round % 2 ? entries : [...entries].reverse();
      const groups = plan.together
        ? order.flatMap((_, i) => (i % 2 ? [] : [order.slice(i, i + 2)]))
        : order.map((target) => [target]);
      for (const scenario of plan.scenarios) {
        for (const connections of plan.shapes) {
          for (const group of groups) {
            const load = { ...plan.load, connections };
            // Requests an earlier measurement abandoned must not hold locks the seeding needs, nor
            // share the core with this measurement.
            await Promise.all(entries.map(({ server }) => waitUntilIdle(server)));
            const measurements = await measureGroup(group, scenario, load, plan);
            group.forEach((target, i) => {
              const m = measurements[i] as Measurement;
              runs.push({ round, scenario: scenario.name, connections, server: target.contender.key, m });
              plan.log(
                `round ${round}/${plan.rounds}  ${scenario.name.padEnd(8)} ${String(connections).padStart(3)} conn  ` +
                  `${target.contender.key.padEnd(width)} ${fmt(m.rps).padStart(7)} req/s  ` +
                  `${fmt(m.reqPerCpuSecond).padStart(7)} req/CPU-s  p99 ${fmt(m.p99, 1)} ms  ` +
                  `err ${m.errors} non2xx ${m.non2xx}  RSS ${fmt(m.peakRssMB)} MB` +
                  (m.log ? `  log missing ${m.log.missing}` : ''),
              );
            });
          }
        }
      }
    } finally {
      for (const { entry, server } of entries) {
        await entry.close();
        await server.stop();
      }
    }
  }
  return runs;
}

/**
 * Every scenario's requests for `serverWarmup` seconds each, at the first load shape, on the data
 * the scenario is measured on. A fresh process runs its code slowly until V8 has compiled it (and
 * its compiler threads share the pinned core): measured right after the start, the first scenario
 * and load shape would pay for it.
 */
async function warmUp(target: Target, plan: RoundsPlan): Promise<void> {
  if (plan.serverWarmup <= 0) return;
  const connections = plan.shapes[0] as number;
  for (const scenario of plan.scenarios) {
    await target.entry.seed(target.server, scenario.seed);
    await loadFor(target.server, scenario.requests(), plan.serverWarmup, connections);
  }
}

async function measureGroup(
  group: Target[],
  scenario: Scenario,
  load: LoadOptions,
  plan: RoundsPlan,
): Promise<Measurement[]> {
  const { log } = plan;
  for (let attempt = 1; ; attempt++) {
    for (const target of group) {
      if (!alive(target.server)) {
        // Killed from outside (shared machine): start it again, warmed up as at the round's start.
        log(`!! restarting ${target.server.name}`);
        target.server = await target.entry.start();
        await warmUp(target, plan);
      }
      await target.entry.seed(target.server, scenario.seed);
    }
    const measurements = await measureTogether(
      group.map(({ server }) => ({ server, requests: scenario.requests() })),
      load,
      { postgres: group.some((target) => target.contender.postgres) },
    );
    // Signalled from outside during the run: that run measured nothing; measure again (once).
    if (group.every((target) => alive(target.server)) || attempt >= 2) return measurements;
    log(`!! a server died during ${scenario.name}; measuring again`);
  }
}
