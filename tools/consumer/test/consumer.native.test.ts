// The packages as a user gets them: npm pack each one, install the tarballs into a fresh
// project outside the workspace (no workspace links), and use each layer on its own.
// Also checks that every package would publish (npm publish --dry-run).
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const layers = ['sys', 'vdso', 'params', 'slab', 'getrandom'] as const;
let workspace: string;
const tarballs = new Map<string, string>();

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
}

const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** A project outside the workspace with these tarballs (and registry packages) installed. */
function install(name: string, packages: readonly (typeof layers)[number][], options: { type?: 'module' | 'commonjs'; registry?: readonly string[] } = {}): string {
  const directory = join(workspace, name);
  execFileSync('mkdir', ['-p', directory]);
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: options.type ?? 'module' }));
  npm(['install', '--prefer-offline', '--no-package-lock', ...packages.map((layer) => tarballs.get(layer)!), ...(options.registry ?? [])], directory);
  return directory;
}

function run(directory: string, file: string, content: string, env: Record<string, string> = {}): string {
  writeFileSync(join(directory, file), content);
  return execFileSync(process.execPath, [file], { cwd: directory, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** A project with exactly these tarballs installed, and a smoke script to run in it. */
function project(name: string, packages: readonly (typeof layers)[number][], script: string): string {
  const directory = join(workspace, name);
  execFileSync('mkdir', ['-p', directory]);
  writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
  npm(['install', '--prefer-offline', '--no-package-lock', ...packages.map((layer) => tarballs.get(layer)!)], directory);
  for (const layer of packages) {
    // A real copy from the tarball, not a link back into the workspace.
    expect(lstatSync(join(directory, 'node_modules', '@vgetrandom', layer)).isSymbolicLink()).toBe(false);
  }
  writeFileSync(join(directory, 'smoke.mjs'), script);
  return execFileSync(process.execPath, ['smoke.mjs'], { cwd: directory, encoding: 'utf8' });
}

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'vgetrandom-consumer-'));
  const packed = join(workspace, 'tarballs');
  execFileSync('mkdir', ['-p', packed]);
  for (const layer of layers) npm(['pack', '--pack-destination', packed], join(root, 'packages', layer));
  for (const file of readdirSync(packed)) {
    const layer = layers.find((candidate) => file.startsWith(`vgetrandom-${candidate}-`));
    if (layer) tarballs.set(layer, join(packed, file));
  }
}, 120_000);

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

describe('each layer installed from its tarball, alone', () => {
  it('packs one tarball per package, holding dist, README and LICENSE only', () => {
    expect([...tarballs.keys()].sort()).toEqual([...layers].sort());
    for (const layer of layers) {
      const listing = execFileSync('tar', ['-tzf', tarballs.get(layer)!], { encoding: 'utf8' }).split('\n').filter(Boolean);
      expect(listing).toContain('package/package.json');
      expect(listing).toContain('package/README.md');
      expect(listing).toContain('package/LICENSE');
      expect(listing.filter((entry) => !/^package\/(dist\/|package\.json$|README\.md$|LICENSE$)/.test(entry))).toEqual([]);
    }
  });

  it('@vgetrandom/vdso alone: parses a synthetic image, and on Linux the live vDSO', () => {
    const output = project(
      'vdso',
      ['sys', 'vdso'],
      `import { parseVdso, locateVdso } from '@vgetrandom/vdso';
import { buildSyntheticVdso } from '@vgetrandom/vdso/testing';
const image = parseVdso(buildSyntheticVdso({ symbols: [{ name: '__vdso_getrandom', version: 'LINUX_2.6' }] }).bytes);
console.log(image.lookup('__vdso_getrandom', 'LINUX_2.6').name);
if (process.platform === 'linux') console.log(locateVdso() ? 'live vdso' : 'no vdso');`,
    );
    expect(output).toContain('__vdso_getrandom');
    if (process.platform === 'linux') expect(output).toMatch(/live vdso|no vdso/);
  }, 120_000);

  it('@vgetrandom/slab alone: allocates on a simulated page source', () => {
    const output = project(
      'slab',
      ['sys', 'slab'],
      `import { SlabAllocator, SimulatedPageSource } from '@vgetrandom/slab';
const source = new SimulatedPageSource();
const slab = new SlabAllocator({ stateSize: 144, alignment: 64, policy: 'glibc', source });
const states = Array.from({ length: 30 }, () => slab.allocate());
slab.free(states[3]);
slab.checkInvariants();
const { statesInUse, chunks } = slab.stats();
slab.dispose();
console.log(JSON.stringify({ statesInUse, chunks, leaked: source.liveMappings().length }));`,
    );
    expect(JSON.parse(output)).toEqual({ statesInUse: 29, chunks: 2, leaked: 0 });
  }, 120_000);

  it('@vgetrandom/getrandom alone: random bytes, a UUID and the backend', () => {
    const output = project(
      'getrandom',
      ['sys', 'vdso', 'params', 'slab', 'getrandom'],
      `import { getrandom, randomUUID, backendInfo } from '@vgetrandom/getrandom';
const bytes = new Uint8Array(32);
console.log(JSON.stringify({ written: getrandom(bytes), distinct: new Set(bytes).size, uuid: randomUUID(), backend: backendInfo().backend }));`,
    );
    const result = JSON.parse(output);
    expect(result.written).toBe(32);
    expect(result.distinct).toBeGreaterThan(8);
    expect(result.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(['vdso', 'syscall', 'crypto']).toContain(result.backend);
  }, 120_000);
});

const vdsoHere = process.platform === 'linux' && (() => {
  try {
    return execFileSync(process.execPath, ['--input-type=module', '-e', `import('${join(root, 'packages', 'params', 'dist', 'index.js')}').then((m) => console.log(m.discoverParams().supported))`], { encoding: 'utf8' }).trim() === 'true';
  } catch {
    return false;
  }
})();
const expectedBackend = vdsoHere ? 'vdso' : process.platform === 'linux' ? 'syscall' : 'crypto';

describe('complete packages', () => {
  const manifest = (directory: string) => JSON.parse(readFileSync(join(root, directory, 'package.json'), 'utf8')) as { name: string; scripts?: Record<string, string>; exports?: Record<string, unknown> };

  it('every export of every package, installed from its tarball, imports and has types', () => {
    const directory = install('every-export', layers);
    const specifiers = layers.flatMap((layer) => {
      const { name, exports } = manifest(join('packages', layer));
      return Object.keys(exports ?? {}).filter((subpath) => subpath !== './package.json').map((subpath) => (subpath === '.' ? name : `${name}/${subpath.slice(2)}`));
    });
    expect(specifiers).toContain('@vgetrandom/getrandom/polyfill');
    // Side-effect entries (polyfill, register) are imported too: each must load.
    const output = run(directory, 'every.mjs', `const loaded = [];
for (const specifier of ${JSON.stringify(specifiers)}) loaded.push([specifier, Object.keys(await import(specifier)).length]);
console.log(JSON.stringify(loaded));`);
    expect((JSON.parse(output) as Array<[string, number]>).map(([specifier]) => specifier)).toEqual(specifiers);
    writeFileSync(join(directory, 'every.ts'), specifiers.map((specifier, index) => `import * as m${index} from '${specifier}';\nexport const k${index}: object = m${index};\n`).join(''));
    const compile = spawnSync(bin('tsc'), ['--noEmit', '--strict', '--noImplicitAny', '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'every.ts'], { cwd: directory, encoding: 'utf8' });
    // TS7016 ("Could not find a declaration file") is what a missing .d.ts gives.
    expect(compile.status, `${compile.stdout}${compile.stderr}`).toBe(0);
  }, 180_000);

  it('npm start and npm install build what npm run build builds; every package refuses to pack without its files', () => {
    const rootScripts = manifest('.').scripts!;
    expect(rootScripts['build']).toBe('turbo run build');
    expect(rootScripts['start']).toMatch(/^turbo run build( --output-logs=errors-only)? && node apps\/demo\/dist\/cli\.js tour$/);
    expect(rootScripts['prepare']).toMatch(/^turbo run build( --output-logs=errors-only)?$/);
    for (const directory of [...layers.map((layer) => join('packages', layer)), join('apps', 'demo'), join('tools', 'fuzz')]) {
      expect(manifest(directory).scripts?.['prepack'], directory).toMatch(/^node \.\.\/\.\.\/scripts\/check-pack\.mjs\b/);
    }
  });

  it('check-pack refuses a package whose export, types or bin is missing, and says what to do', () => {
    const directory = mkdtempSync(join(tmpdir(), 'vgetrandom-pack-'));
    try {
      writeFileSync(join(directory, 'package.json'), JSON.stringify({
        name: 'probe', bin: { probe: './bin/probe.js' },
        exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './untyped': './dist/untyped.js', './package.json': './package.json' },
      }));
      execFileSync('mkdir', ['-p', join(directory, 'dist'), join(directory, 'bin')]);
      for (const file of ['dist/index.js', 'dist/untyped.js', 'bin/probe.js']) writeFileSync(join(directory, file), '');
      const check = (...extra: string[]) => spawnSync(process.execPath, [join(root, 'scripts', 'check-pack.mjs'), ...extra], { cwd: directory, encoding: 'utf8' });
      let result = check('dist/worker.js');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('./dist/index.d.ts (export . > types) does not exist');
      expect(result.stderr).toContain("export './untyped' has no \"types\" condition");
      expect(result.stderr).toContain('dist/worker.js (needed at run time) does not exist');
      expect(result.stderr).toContain('npm run build');
      writeFileSync(join(directory, 'dist', 'index.d.ts'), '');
      writeFileSync(join(directory, 'dist', 'worker.js'), '');
      writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: 'probe', bin: './bin/probe.js', exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } } }));
      result = check('dist/worker.js');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      rmSync(join(directory, 'bin', 'probe.js'));
      expect(check().stderr).toContain('./bin/probe.js (bin probe) does not exist');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('every kind of Node project', () => {
  const everyLayer = `
  const sys = require('@vgetrandom/sys');
  const vdso = require('@vgetrandom/vdso');
  const params = require('@vgetrandom/params');
  const slab = require('@vgetrandom/slab');
  const g = require('@vgetrandom/getrandom');
  const allocator = new slab.SlabAllocator({ stateSize: 144, alignment: 64, policy: 'glibc', source: new slab.SimulatedPageSource() });
  allocator.allocate();
  console.log(JSON.stringify({
    sys: typeof sys.nativeAvailability, vdso: typeof vdso.parseVdso, params: typeof params.discoverParams,
    slab: allocator.stats().statesInUse, bytes: g.getrandom(new Uint8Array(8)), backend: g.backendInfo().backend,
  }));`;

  it('a CommonJS project require()s every layer (Node >= 20.19 loads our ESM)', () => {
    const directory = install('cjs', layers, { type: 'commonjs' });
    const result = JSON.parse(run(directory, 'smoke.js', everyLayer));
    expect(result).toEqual({ sys: 'function', vdso: 'function', params: 'function', slab: 1, bytes: 8, backend: expectedBackend });
  }, 180_000);

  it('strict TypeScript compiles against every layer: node16, node20, nodenext and bundler, ESM and a CommonJS .cts', () => {
    const directory = install('typescript', layers, { registry: ['@types/node@20.19.43'] });
    const source = `import { getrandom, randomUUID, type UUID } from '@vgetrandom/getrandom';
import { SlabAllocator, SimulatedPageSource } from '@vgetrandom/slab';
import { parseVdso } from '@vgetrandom/vdso';
import { discoverParams } from '@vgetrandom/params';
import { nativeAvailability } from '@vgetrandom/sys';
import { installed } from '@vgetrandom/getrandom/polyfill';
const id: UUID = randomUUID();
const count: number = getrandom(new Uint8Array(4));
export const all = [id, count, SlabAllocator, SimulatedPageSource, parseVdso, discoverParams, nativeAvailability, installed];
`;
    writeFileSync(join(directory, 'index.ts'), source);
    writeFileSync(join(directory, 'legacy.cts'), `import getrandomPackage = require('@vgetrandom/getrandom');
export const bytes: number = getrandomPackage.getrandom(new Uint8Array(4));
`);
    // A CommonJS file may require() our ESM under module node20/nodenext, which model Node's
    // require(esm); node16 models Node 16, which cannot, so there only ESM is compiled.
    for (const [module, resolution, files] of [
      ['node16', 'node16', ['index.ts']],
      ['node20', 'node16', ['index.ts', 'legacy.cts']],
      ['nodenext', 'nodenext', ['index.ts', 'legacy.cts']],
      ['esnext', 'bundler', ['index.ts']],
    ] as const) {
      const compile = spawnSync(bin('tsc'), ['--noEmit', '--strict', '--skipLibCheck', 'false', '--types', 'node', '--module', module, '--moduleResolution', resolution, '--target', 'es2022', ...files], { cwd: directory, encoding: 'utf8' });
      expect(compile.status, `${module}/${resolution}:\n${compile.stdout}${compile.stderr}`).toBe(0);
    }
  }, 180_000);

  it('drops in for node:crypto under strict and exactOptionalPropertyTypes: our TypeScript and @types/node, and the newest', () => {
    // The newest releases on 2026-12-06; TypeScript 7 is the native compiler.
    const newest = ['typescript@7.0.2', '@types/node@26.6.11'];
    const source = `import type * as NodeCrypto from 'node:crypto';
import * as ours from '@vgetrandom/getrandom';
type RandomPart = Pick<typeof NodeCrypto, 'randomBytes' | 'randomFillSync' | 'randomFill' | 'randomInt' | 'randomUUID' | 'getRandomValues'>;
export const asNode: RandomPart = ours;
export const id: NodeCrypto.UUID = ours.randomUUID({ disableEntropyCache: undefined });
`;
    const flags = ['--noEmit', '--strict', '--exactOptionalPropertyTypes', '--skipLibCheck', 'false', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'check.ts'];
    const ourTools = install('types-ours', layers);
    writeFileSync(join(ourTools, 'check.ts'), source);
    const withOurs = spawnSync(bin('tsc'), [...flags, '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node'], { cwd: ourTools, encoding: 'utf8' });
    expect(withOurs.status, `TypeScript 6 + @types/node 20:\n${withOurs.stdout}${withOurs.stderr}`).toBe(0);
    const newestTools = install('types-newest', layers, { registry: newest });
    writeFileSync(join(newestTools, 'check.ts'), source);
    const withNewest = spawnSync(join(newestTools, 'node_modules', '.bin', 'tsc'), [...flags, '--types', 'node'], { cwd: newestTools, encoding: 'utf8' });
    expect(withNewest.status, `${newest.join(' + ')}:\n${withNewest.stdout}${withNewest.stderr}`).toBe(0);
  }, 240_000);

  it('an esbuild CommonJS bundle (koffi external) runs on the vDSO; copied away from koffi it says what to do', () => {
    const directory = install('bundle', layers);
    writeFileSync(join(directory, 'entry.mjs'), `import { getrandom, backendInfo } from '@vgetrandom/getrandom';
getrandom(new Uint8Array(8));
const info = backendInfo();
console.log(JSON.stringify({ backend: info.backend, reasons: info.fallbacks.map((f) => f.detail) }));`);
    for (const format of ['cjs', 'esm'] as const) {
      execFileSync(bin('esbuild'), ['entry.mjs', '--bundle', '--platform=node', `--format=${format}`, '--external:koffi', `--outfile=bundle.${format === 'cjs' ? 'cjs' : 'mjs'}`, '--log-level=error'], { cwd: directory });
    }
    for (const file of ['bundle.cjs', 'bundle.mjs']) {
      const result = JSON.parse(execFileSync(process.execPath, [file], { cwd: directory, encoding: 'utf8' }));
      expect(result.backend, file).toBe(expectedBackend);
    }
    // The same bundle somewhere without node_modules: a precise reason, not "reinstall".
    const away = mkdtempSync(join(tmpdir(), 'vgetrandom-bundle-away-'));
    execFileSync('cp', [join(directory, 'bundle.mjs'), away]);
    const lonely = JSON.parse(execFileSync(process.execPath, ['bundle.mjs'], { cwd: away, encoding: 'utf8' }));
    rmSync(away, { recursive: true, force: true });
    if (process.platform === 'linux') {
      expect(lonely.backend).toBe('crypto');
      expect(lonely.reasons.join(' ')).toMatch(/koffi was not found .* mark 'koffi' as external/);
    }
  }, 180_000);

  it('npm 11 warns about koffi\'s install script, and "allowScripts": { "koffi": false } silences it, as the READMEs say', () => {
    const attempt = (name: string, manifest: object) => {
      const directory = join(workspace, name);
      execFileSync('mkdir', ['-p', directory]);
      writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module', ...manifest }));
      const result = spawnSync('npm', ['install', '--prefer-offline', '--no-package-lock', ...layers.map((layer) => tarballs.get(layer)!)], { cwd: directory, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
      expect(result.status, result.stderr).toBe(0);
      const works = execFileSync(process.execPath, ['--input-type=module', '-e', "import('@vgetrandom/getrandom').then((m) => console.log(m.getrandom(new Uint8Array(8)), m.backendInfo().backend))"], { cwd: directory, encoding: 'utf8' });
      return { warning: result.stderr.split('\n').filter((line) => line.includes('install-scripts')), works: works.trim() };
    };
    const warned = attempt('scripts-warned', {});
    expect(warned.warning.join('\n')).toMatch(/koffi@[\d.]+ \(install:/);
    expect(warned.works).toBe(`8 ${expectedBackend}`);
    const silenced = attempt('scripts-denied', { allowScripts: { koffi: false } });
    expect(silenced.warning).toEqual([]);
    expect(silenced.works).toBe(`8 ${expectedBackend}`);
    for (const readme of ['packages/getrandom/README.md', 'apps/demo/README.md']) {
      const text = readFileSync(join(root, readme), 'utf8');
      expect(text, readme).toContain('npm install-scripts deny koffi');
      expect(text, readme).toMatch(/"allowScripts": \{ "koffi": false \}/);
    }
  }, 240_000);

  it('nanoid: its default nanoid() keeps a pool of bytes even through the polyfill; customRandom with our getRandomValues asks for fresh bytes every ID', () => {
    const directory = install('nanoid-pool', layers, { registry: ['nanoid@5.1.12'] });
    const output = run(directory, 'pool.mjs', `import { getRandomValues } from '@vgetrandom/getrandom';
import '@vgetrandom/getrandom/polyfill';
import { nanoid, customRandom, urlAlphabet } from 'nanoid';
const requests = [];
const prototype = Object.getPrototypeOf(globalThis.crypto);
const ours = prototype.getRandomValues;
prototype.getRandomValues = function (array) { requests.push(array.byteLength); return ours.call(this, array); };
for (let index = 0; index < 10; index += 1) nanoid();
const pooled = requests.splice(0);
const fresh = customRandom(urlAlphabet, 21, (size) => { requests.push(size); return getRandomValues(new Uint8Array(size)); });
for (let index = 0; index < 10; index += 1) fresh();
console.log(JSON.stringify({ pooled, fresh: requests }));`);
    const { pooled, fresh } = JSON.parse(output) as { pooled: number[]; fresh: number[] };
    // The default: one request for 128 IDs' worth of bytes, then IDs cut from what is kept.
    expect(pooled.length).toBe(1);
    expect(pooled[0]).toBeGreaterThanOrEqual(21 * 128);
    // customRandom: a request every ID, for about the bytes that ID needs.
    expect(fresh.length).toBe(10);
    for (const size of fresh) expect(size).toBeLessThan(21 * 4);
  }, 180_000);

  it('the RNG hooks people use: uuid v4({ rng }) and v7({ random }), nanoid customRandom, and @noble/hashes through the polyfill', () => {
    const directory = install('hooks', layers, { registry: ['uuid@14.0.3', 'nanoid@5.1.12', '@noble/hashes@2.0.1'] });
    const output = run(directory, 'hooks.mjs', `import { randomBytes, getRandomValues } from '@vgetrandom/getrandom';
import { installed, restore } from '@vgetrandom/getrandom/polyfill';
import { v4, v7 } from 'uuid';
import { customRandom, urlAlphabet } from 'nanoid';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
const fromV4 = v4({ rng: () => randomBytes(16) });
const fromV7 = v7({ random: randomBytes(16) });
const nanoid = customRandom(urlAlphabet, 21, (size) => getRandomValues(new Uint8Array(size)));
// The polyfill routes globalThis.crypto.getRandomValues; count who calls it.
const ours = globalThis.crypto.getRandomValues;
let calls = 0;
globalThis.crypto.getRandomValues = function (array) { calls += 1; return ours.call(this, array); };
const noble = nobleRandomBytes(32);
delete globalThis.crypto.getRandomValues;
const wasInstalled = installed();
restore();
console.log(JSON.stringify({ fromV4, fromV7, id: nanoid(), noble: noble.length, calls, wasInstalled, afterRestore: installed() }));`);
    const result = JSON.parse(output);
    expect(result.fromV4).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.fromV7).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.id).toMatch(/^[\w-]{21}$/);
    expect(result).toMatchObject({ noble: 32, calls: 1, wasInstalled: true, afterRestore: false });
  }, 180_000);
});

describe('the CLI as users install it', () => {
  it('@vgetrandom/cli installs from its tarball: vgetrandom --version, uuid and int work', () => {
    const packed = join(workspace, 'cli-tarball');
    execFileSync('mkdir', ['-p', packed]);
    npm(['pack', '--pack-destination', packed], join(root, 'apps', 'demo'));
    const tarball = join(packed, readdirSync(packed).find((file) => file.startsWith('vgetrandom-cli-'))!);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(listing).toContain('package/bin/vgetrandom.cjs');
    expect(listing).toContain('package/dist/cli.js');
    for (const file of ['dist/cli.cjs', 'dist/bytes-worker.js', 'dist/tour-worker.js', 'man/vgetrandom.1', 'completions/vgetrandom.bash', 'completions/_vgetrandom']) expect(listing).toContain(`package/${file}`);
    const directory = install('cli', layers);
    npm(['install', '--prefer-offline', '--no-package-lock', tarball], directory);
    const vgetrandom = join(directory, 'node_modules', '.bin', 'vgetrandom');
    const { version } = JSON.parse(readFileSync(join(root, 'apps', 'demo', 'package.json'), 'utf8'));
    expect(execFileSync(vgetrandom, ['--version'], { encoding: 'utf8' })).toBe(`${version}\n`);
    expect(execFileSync(vgetrandom, ['uuid'], { encoding: 'utf8' })).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(execFileSync(vgetrandom, ['int', '1', '6', '-n', '3'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(3);
  }, 180_000);

  it('@vgetrandom/cli passes npm publish --dry-run', () => {
    const output = npm(['publish', '--dry-run', '--access', 'public', '--ignore-scripts'], join(root, 'apps', 'demo'));
    expect(output).toMatch(/^\+ @vgetrandom\/cli@\d+\.\d+\.\d+/m);
  }, 60_000);
});

describe('release', () => {
  it.each(layers)('@vgetrandom/%s passes npm publish --dry-run', (layer) => {
    // npm exits non-zero (and execFileSync throws) on a package it would refuse.
    const output = npm(['publish', '--dry-run', '--access', 'public', '--ignore-scripts'], join(root, 'packages', layer));
    expect(output).toMatch(new RegExp(`^\\+ @vgetrandom/${layer}@\\d+\\.\\d+\\.\\d+`, 'm'));
  }, 60_000);
});

describe('@vgetrandom/fuzz as users install it', () => {
  /** The README's code block that starts with `firstLine`. */
  const readme = readFileSync(join(root, 'tools', 'fuzz', 'README.md'), 'utf8');
  const block = (firstLine: string) => {
    const match = new RegExp(`\`\`\`js\\n(${firstLine.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}[\\s\\S]*?)\`\`\``).exec(readme);
    if (!match) throw new Error(`the README has no js block starting with ${firstLine}`);
    return match[1]!;
  };
  let directory: string;
  let fuzzBin: string;

  beforeAll(() => {
    const packed = join(workspace, 'fuzz-tarball');
    execFileSync('mkdir', ['-p', packed]);
    npm(['pack', '--pack-destination', packed], join(root, 'tools', 'fuzz'));
    const tarball = join(packed, readdirSync(packed).find((file) => file.startsWith('vgetrandom-fuzz-'))!);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const file of ['dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'dist/targets/run-worker.js', 'examples/lifo.mjs', 'examples/c/page-lifo.c', 'examples/c/bitmap.c', 'corpus/manifest.json', 'README.md', 'LICENSE']) expect(listing).toContain(`package/${file}`);
    // Neither our regression findings nor the sources travel.
    expect(listing.filter((entry) => /^package\/(findings|src|test)\//.test(entry))).toEqual([]);
    directory = install('fuzz', layers);
    npm(['install', '--prefer-offline', '--no-package-lock', tarball], directory);
    fuzzBin = join(directory, 'node_modules', '.bin', 'vgetrandom-fuzz');
  }, 240_000);

  it("runs the README's allocator and its check as written", () => {
    writeFileSync(join(directory, 'mine.mjs'), block('// mine.mjs'));
    const output = run(directory, 'check.mjs', block('// check.mjs'));
    expect(output).toMatch(/^clean: 200 cases, \d+ operations\n$/);
    // The same check typed: the package's .d.ts describes the contract.
    writeFileSync(join(directory, 'typed.ts'), `import { type AllocatorFactory, type FuzzAllocatorReport, fuzzAllocator } from '@vgetrandom/fuzz';
const factory: AllocatorFactory = ({ source, pageSize }) => ({ allocate: () => { const mapped = source.map(pageSize); return mapped.ok ? mapped.region.address : null; }, free: () => undefined });
export const report: FuzzAllocatorReport = fuzzAllocator(factory, { runs: 1, rejects: ['double-free'] });
`);
    const compile = spawnSync(bin('tsc'), ['--noEmit', '--strict', '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'typed.ts'], { cwd: directory, encoding: 'utf8' });
    expect(compile.status, `${compile.stdout}${compile.stderr}`).toBe(0);
  }, 120_000);

  it('the bin fuzzes the README allocator, and finds, shrinks and replays a planted bug in the C example, with findings in the project', () => {
    writeFileSync(join(directory, 'mine.mjs'), block('// mine.mjs'));
    // As `npx vgetrandom-fuzz ...` in the project: npx says where the user is in INIT_CWD.
    const env = { ...process.env, INIT_CWD: directory };
    const clean = spawnSync(fuzzBin, ['slab', '--allocator', './mine.mjs', '--runs', '100', '--seed', '1'], { cwd: directory, encoding: 'utf8', env });
    expect(clean.stdout, clean.stderr).toMatch(/^\.\/mine\.mjs: 100 runs, .* seed 1: no findings/);
    expect(clean.status).toBe(0);
    expect(spawnSync(fuzzBin, ['--help'], { encoding: 'utf8' }).stdout).toMatch(/^usage: npx vgetrandom-fuzz /);
    if (spawnSync('cc', ['--version']).status !== 0) return;
    const example = join(directory, 'node_modules', '@vgetrandom', 'fuzz', 'examples', 'c', 'page-lifo.c');
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-DPLANT_DOUBLE_PUSH', '-o', join(directory, 'libbuggy.so'), example]);
    const found = spawnSync(fuzzBin, ['slab', '--allocator-lib', './libbuggy.so', '--runs', '300', '--seed', '3'], { cwd: directory, encoding: 'utf8', env });
    expect(found.status, found.stderr).toBe(1);
    expect(found.stdout).toMatch(/FOUND A BUG\n {2}broken: duplicate allocation/);
    const file = /case file: (\S+)/.exec(found.stdout)![1]!;
    expect(file).toMatch(/^fuzz-findings\/allocator-3-\w+\.json$/);
    const again = spawnSync(fuzzBin, ['--replay', file], { cwd: directory, encoding: 'utf8', env });
    expect(again.stdout).toMatch(/^reproduced \(allocator\): duplicate allocation/);
  }, 180_000);

  it('passes npm publish --dry-run', () => {
    const output = npm(['publish', '--dry-run', '--access', 'public', '--ignore-scripts'], join(root, 'tools', 'fuzz'));
    expect(output).toMatch(/^\+ @vgetrandom\/fuzz@\d+\.\d+\.\d+/m);
  }, 60_000);
});

