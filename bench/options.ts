import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, SCENARIOS, type Scenario } from './lib.js';

// The command line of `npm run bench` (bench/run.ts), for the bench and its comparison mode.

const HELP = `node --import tsx bench/run.ts [options]   (npm run bench -- [options])
  --quick             smoke test: 1 round (2 with --compare), 2 s runs, small streaming sizes; writes bench/quick/results.*
  --rounds N          rounds of alternation (default 3; env BENCH_ROUNDS)
  --duration S        measured seconds per run (default 3; env BENCH_DURATION)
  --warmup S          unmeasured warm-up seconds before each run (default 1)
  --server-warmup S   unmeasured seconds of every scenario on each server once it has started, so
                      that no run pays for compiling the server's code (default 2; 0: none)
  --connections A,B   load shapes: autocannon connections, each scenario runs at each (default 10,64)
  --scenarios a,b     only these (${SCENARIOS.map((s) => s.name).join(', ')})
  --no-postgres       skip PostgreSQL even when reachable (env BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test)
  --no-extras         skip cold start, WORKERS=2 and streaming
  --stderr-file       send the servers' console output (stdout and stderr) to files in the temp dir instead
                      of a pipe drained by a separate process
  --strict            exit 1 when a target is missed (always exit 1 when log lines are missing)
  --out PREFIX        output prefix (default bench/results; bench/compare/results with --compare)
Comparison of two builds of pricebook (no ceiling, no floor, no extras):
  --compare REF       A = REF (a git commit, branch or tag, built in a temporary checkout; "." = this
                      working tree's build), B = this working tree's build; both pinned to the same core,
                      alternating in every round, on SQLite and PostgreSQL, at every load shape
  --env-a KEY=VALUE   a setting for A's servers only (repeatable), e.g. --env-a LOG_LEVEL=warn
  --env-b KEY=VALUE   a setting for B's servers only (repeatable)
  --together          load A and B at the same time (each its own autocannon, same connections) instead
                      of one after the other: both see the same machine state`;

export interface BenchOptions {
  quick: boolean;
  rounds: number;
  duration: number;
  warmup: number;
  serverWarmup: number;
  shapes: number[];
  scenarios: Scenario[];
  postgres: boolean;
  extras: boolean;
  consoleToFile: boolean;
  strict: boolean;
  outPrefix: string;
  /** Comparison mode: A's git ref ("." for this working tree). */
  compare?: string;
  envA: Record<string, string>;
  envB: Record<string, string>;
  together: boolean;
}

export function parseOptions(argv = process.argv.slice(2)): BenchOptions {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'server-warmup': { type: 'string' },
      connections: { type: 'string' },
      scenarios: { type: 'string' },
      'no-postgres': { type: 'boolean', default: false },
      'no-extras': { type: 'boolean', default: false },
      'stderr-file': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      out: { type: 'string' },
      compare: { type: 'string' },
      'env-a': { type: 'string', multiple: true },
      'env-b': { type: 'string', multiple: true },
      together: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = args.quick;
  const compare = args.compare;
  const scenarioNames = args.scenarios?.split(',');
  const unknown = scenarioNames?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) fail(`unknown scenario(s): ${unknown.join(', ')}`);
  const shapes = (args.connections ?? '10,64').split(',').map(Number);
  if (shapes.some((n) => !Number.isInteger(n) || n < 1)) fail(`--connections wants whole numbers: ${args.connections}`);
  const outDir = compare !== undefined ? 'compare' : quick ? 'quick' : undefined;
  return {
    quick,
    rounds: positive('--rounds', args.rounds ?? process.env.BENCH_ROUNDS, quick ? (compare ? 2 : 1) : 3),
    duration: positive('--duration', args.duration ?? process.env.BENCH_DURATION, quick ? 2 : 3),
    warmup: positive('--warmup', args.warmup, 1, true),
    serverWarmup: positive('--server-warmup', args['server-warmup'], quick ? 0 : 2, true),
    shapes,
    scenarios: scenarioNames ? SCENARIOS.filter((s) => scenarioNames.includes(s.name)) : SCENARIOS,
    postgres: !args['no-postgres'],
    extras: !args['no-extras'] && compare === undefined,
    consoleToFile: args['stderr-file'],
    strict: args.strict,
    outPrefix: args.out ?? join(ROOT, 'bench', ...(outDir ? [outDir] : []), 'results'),
    compare,
    envA: settings('--env-a', args['env-a']),
    envB: settings('--env-b', args['env-b']),
    together: args.together,
  };
}

function positive(name: string, value: string | undefined, fallback: number, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroAllowed)) fail(`${name} wants a positive number: ${value}`);
  return n;
}

function settings(name: string, pairs: string[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) fail(`${name} wants KEY=VALUE: ${pair}`);
    result[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return result;
}

function fail(message: string): never {
  console.error(`npm run bench: ${message} (see --help)`);
  process.exit(2);
}
