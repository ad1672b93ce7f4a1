import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

// The processes the tests start (server, importer) run src/ compiled to JavaScript in dist-test/,
// one file per module as tsx would compile it, not `node --import tsx`: tsx's loader hooks make
// every process start, and every cluster worker's, slow. Source maps point back to src/, so the
// coverage of these processes counts on src/ as before. dist-test/ sits beside src/ so that
// paths relative to a module (../public/) resolve as they do from source.

const ROOT = new URL('../../', import.meta.url).pathname;
const SOURCE = join(ROOT, 'src');
const OUT = join(ROOT, 'dist-test');
const STAMP = join(OUT, '.sources-hash');

function sourceFiles(dir = SOURCE): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function hashOf(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(SOURCE, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

function stamped(): string | undefined {
  try {
    return readFileSync(STAMP, 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file, so a process starting meanwhile reads a whole file. */
function writeWhole(path: string, contents: Uint8Array) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

async function compile(): Promise<void> {
  const files = sourceFiles();
  const hash = hashOf(files);
  if (stamped() === hash) return;
  const result = await build({
    entryPoints: files,
    outdir: OUT,
    outbase: SOURCE,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    write: false,
    logLevel: 'warning',
  });
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  writeWhole(STAMP, Buffer.from(hash));
}

let compiled: Promise<void> | undefined;

/** The absolute path of `module` (as `server.js`) in dist-test/, compiled from src/ when it changed. */
export async function compiledModule(module: string): Promise<string> {
  compiled ??= compile();
  await compiled;
  return join(OUT, module);
}
