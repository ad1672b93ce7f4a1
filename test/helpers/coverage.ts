// c8 collects coverage through NODE_V8_COVERAGE, which every Node process a test starts inherits.
// Tools that are not this project's code (npm, tsc, a linter, the bundler's script) run without
// it: their coverage is never counted, yet collecting and writing it slows them, and c8 reads it.

/** `env` without the coverage collector's variable. */
export function withoutCoverage(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _, ...rest } = env;
  return rest;
}
