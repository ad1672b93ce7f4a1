import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';

// The service's packages, bundled for the tests into dist-test/vendor, one file per package the
// code imports, sharing chunks. Loaded one module at a time, the packages are over a thousand
// files, and resolving and reading them was most of what a server or a test file did to start.
// src/ and test/ stay compiled one file per module: c8 maps a bundle's coverage back to its
// sources loosely (lines never run count as covered), a single module's exactly. Only their
// imports of these packages point into the vendor folder (vendorImports). Test-only packages and
// native addons are imported as they are.

/** Kept as they are: a native addon, and a package the code only resolves, never imports. */
const NOT_VENDORED = new Set(['better-sqlite3', 'swagger-ui-dist']);

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function vendoredPackages(project: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return new Set(Object.keys(manifest.dependencies).filter((name) => !NOT_VENDORED.has(name)));
}

const fileName = (specifier: string) => `${specifier.replace(/[@/.]/g, '_')}.js`;

/**
 * An esbuild plugin for the one-file-per-module compile (run as a bundle whose every import is
 * external): a relative import stays as written, a service package's points to its vendor file,
 * and `used` collects those packages' specifiers for vendorBundle.
 */
export function vendorImports(project: string, out: string, used: Set<string>): Plugin {
  const vendored = vendoredPackages(project);
  return {
    name: 'vendor-imports',
    setup(esbuild) {
      esbuild.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const bare = !args.path.startsWith('.') && !args.path.startsWith('/') && !args.path.startsWith('node:');
        if (!bare || !vendored.has(packageName(args.path))) return { path: args.path, external: true };
        used.add(args.path);
        const importerOut = dirname(join(out, relative(project, args.importer)));
        return { path: relative(importerOut, join(out, 'vendor', fileName(args.path))), external: true };
      });
    },
  };
}

/**
 * An entry module that re-exports a package by name. A CommonJS package's names are only known by
 * running it, and a bundle cannot re-export what it cannot see: the names are read here, by
 * importing the package as Node does.
 */
async function entrySource(specifier: string): Promise<string> {
  const namespace = (await import(specifier)) as Record<string, unknown>;
  // Any name, a reserved word too, as a string: `const v0 = m["delete"]; export { v0 as "delete" }`.
  // __esModule is CommonJS's interop mark, not a name the code imports.
  const names = Object.keys(namespace).filter((name) => name !== 'default' && name !== '__esModule');
  return [
    `import * as m from '${specifier}';`,
    ...names.map((name, i) => `const v${i} = m[${JSON.stringify(name)}];`),
    `export { ${names.map((name, i) => `v${i} as ${JSON.stringify(name)}`).join(', ')} };`,
    'default' in namespace ? 'export default m.default;' : '',
  ].join('\n');
}

/**
 * Bundles the packages in `specifiers` into out/vendor, one entry file each, chunks shared; kept
 * while the lock file and the specifiers are the same (an edit of src/ or test/ rarely changes them).
 */
export async function vendorBundle(project: string, out: string, specifiers: Set<string>): Promise<void> {
  const vendor = join(out, 'vendor');
  const stamp = join(vendor, '.stamp');
  const wanted = createHash('sha256')
    .update(readFileSync(join(project, 'package-lock.json')))
    .update([...specifiers].sort().join('\n'))
    .digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  // Made beside the folder in use and swapped in whole: a test process of another run may be
  // loading from it.
  const building = `${vendor}.${process.pid}.tmp`;
  const entries = `${building}-entries`;
  mkdirSync(entries, { recursive: true });
  const entryPoints: Record<string, string> = {};
  for (const specifier of specifiers) {
    const entry = join(entries, `${fileName(specifier)}.mjs`);
    writeFileSync(entry, await entrySource(specifier));
    entryPoints[fileName(specifier).replace(/\.js$/, '')] = entry;
  }
  await build({
    entryPoints,
    outdir: building,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    nodePaths: [join(project, 'node_modules')],
    external: ['better-sqlite3', 'pg-native'],
    // The packages are mostly CommonJS and call require(), which an ES module lacks.
    banner: {
      js: "import { createRequire as __vendorRequire } from 'node:module'; const require = __vendorRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  writeFileSync(join(building, '.stamp'), wanted);
  const old = `${vendor}.${process.pid}.old`;
  if (existsSync(vendor)) renameSync(vendor, old);
  renameSync(building, vendor);
  for (const path of [old, entries]) rmSync(path, { recursive: true, force: true });
}
