// The packages as a user gets them: npm pack each one, install the tarballs into a fresh
// project outside the workspace (no workspace links), and use each layer on its own.
// Also checks that every package would publish (npm publish --dry-run).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

describe('release', () => {
  it.each(layers)('@vgetrandom/%s passes npm publish --dry-run', (layer) => {
    // npm exits non-zero (and execFileSync throws) on a package it would refuse.
    const output = npm(['publish', '--dry-run', '--access', 'public', '--ignore-scripts'], join(root, 'packages', layer));
    expect(output).toMatch(new RegExp(`^\\+ @vgetrandom/${layer}@\\d+\\.\\d+\\.\\d+`, 'm'));
  }, 60_000);
});
