// The package as users get it, on this host: the real vDSO, real states, real workers.
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { discoverParams } from '@vgetrandom/params';
import { MADV_DONTNEED, madvise, pageSize, toAddress } from '@vgetrandom/sys';
import { describe, expect, it } from 'vitest';
import { createApi } from './api.js';
import { createEngine } from './engine.js';
import { backendInfo, getRandomValues, getrandom, randomFillSync, sharedStatePool } from './index.js';

const linux = process.platform === 'linux';
const vdsoHere = linux && discoverParams().supported;
const workerScript = new URL('./__fixtures__/worker-generate.mjs', import.meta.url);

function guarded(size: number, offset = 13, guard = 0xa5) {
  const outer = new Uint8Array(size + offset + 17).fill(guard);
  return { outer, view: outer.subarray(offset, offset + size), offset, guard };
}

describe.skipIf(!vdsoHere)('on this host (needs vDSO getrandom)', () => {
  it('selects the vdso backend, and backendInfo() says so', () => {
    expect(getrandom(new Uint8Array(1))).toBe(1);
    const params = discoverParams();
    expect(backendInfo()).toMatchObject({ backend: 'vdso', requested: 'auto', fallbacks: [], state: { pool: 'shared' } });
    expect(backendInfo().state!.size).toBe(params.supported ? params.params.sizeOfOpaqueState : -1);
  });

  it.each([0, 1, 255, 256, 257, 1263, 4096, 65_536, 1 << 20])('fills exactly %i bytes inside guard bytes', (size) => {
    const { outer, view, offset, guard } = guarded(size);
    expect(getrandom(view)).toBe(size);
    expect(outer.subarray(0, offset).every((byte) => byte === guard)).toBe(true);
    expect(outer.subarray(offset + size).every((byte) => byte === guard)).toBe(true);
    if (size >= 64) expect(new Set(view).size).toBeGreaterThan(16);
  });

  it.each([Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array, Float32Array, Float64Array])(
    'fills a %o at an offset into a larger buffer',
    (Type) => {
      const buffer = new ArrayBuffer(256).slice(0);
      const bytes = new Uint8Array(buffer).fill(0x5a);
      const view = new Type(buffer, 64, 8);
      expect(getrandom(view)).toBe(8 * Type.BYTES_PER_ELEMENT);
      expect(bytes.subarray(0, 64).every((byte) => byte === 0x5a)).toBe(true);
      expect(bytes.subarray(64 + view.byteLength).every((byte) => byte === 0x5a)).toBe(true);
    },
  );

  it('fills a DataView and a Buffer slice', () => {
    const buffer = Buffer.alloc(64, 0x11);
    expect(getrandom(new DataView(buffer.buffer, buffer.byteOffset + 8, 16))).toBe(16);
    expect(getrandom(buffer.subarray(40, 48))).toBe(8);
    expect(buffer.subarray(0, 8).every((byte) => byte === 0x11)).toBe(true);
    expect(buffer.subarray(24, 40).every((byte) => byte === 0x11)).toBe(true);
  });

  it('10^6 bytes pass a chi-square byte-frequency test', () => {
    const bytes = new Uint8Array(1_000_000);
    randomFillSync(bytes);
    const counts = new Float64Array(256);
    for (const byte of bytes) counts[byte]! += 1;
    const expected = bytes.length / 256;
    let chiSquare = 0;
    for (const count of counts) chiSquare += (count - expected) ** 2 / expected;
    // 255 degrees of freedom: mean 255, sd 22.6. 350 is beyond p = 2e-5.
    expect(chiSquare).toBeLessThan(350);
    expect(chiSquare).toBeGreaterThan(170);
  });

  it('10^5 16-byte outputs contain no duplicate', () => {
    const seen = new Set<string>();
    const bytes = new Uint8Array(16);
    for (let index = 0; index < 100_000; index += 1) {
      getrandom(bytes);
      seen.add(Buffer.from(bytes).toString('latin1'));
    }
    expect(seen.size).toBe(100_000);
  });

  it('output stays fresh and correct after the state page is dropped (MADV_DONTNEED)', () => {
    getrandom(new Uint8Array(1));
    const address = backendInfo().state!.address;
    const page = BigInt(pageSize());
    const before = new Uint8Array(32);
    getrandom(before);
    madvise(toAddress(address - (address % page)), pageSize(), MADV_DONTNEED);
    const after = new Uint8Array(32);
    expect(getrandom(after)).toBe(32);
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(false);
    expect(new Set(after).size).toBeGreaterThan(8);
  });

  it('8 workers generating at once hold 8 distinct states and produce distinct output', async () => {
    const workers = Array.from({ length: 8 }, () => new Worker(workerScript, { workerData: { outputs: 200 } }));
    const reports = await Promise.all(
      workers.map((worker) => new Promise<{ backend: string; state: string; outputs: string[] }>((resolve) => worker.once('message', resolve))),
    );
    await Promise.all(workers.map((worker) => new Promise((resolve) => { worker.once('exit', resolve); worker.postMessage('exit'); })));
    expect(reports.every((report) => report.backend === 'vdso')).toBe(true);
    getrandom(new Uint8Array(1));
    const states = new Set([...reports.map((report) => report.state), backendInfo().state!.address.toString()]);
    expect(states.size).toBe(9);
    const outputs = reports.flatMap((report) => report.outputs);
    expect(new Set(outputs).size).toBe(outputs.length);
  });

  it('a worker that exits normally returns its state to the shared pool', async () => {
    getrandom(new Uint8Array(1));
    const pool = sharedStatePool()!;
    const before = pool.stats().statesInUse;
    const worker = new Worker(workerScript, { workerData: { outputs: 1 } });
    const report = await new Promise<{ state: string }>((resolve) => worker.once('message', resolve));
    expect(pool.stats().statesInUse).toBe(before + 1);
    await new Promise((resolve) => { worker.once('exit', resolve); worker.postMessage('exit'); });
    expect(pool.stats().statesInUse).toBe(before);
    // The next thread gets the same state back (LIFO), so churn does not grow memory.
    const next = new Worker(workerScript, { workerData: { outputs: 1 } });
    const second = await new Promise<{ state: string }>((resolve) => next.once('message', resolve));
    expect(second.state).toBe(report.state);
    await new Promise((resolve) => { next.once('exit', resolve); next.postMessage('exit'); });
  });

  it('the syscall and crypto backends work when forced', () => {
    for (const backend of ['syscall', 'crypto'] as const) {
      const api = createApi(createEngine({ backend }));
      const bytes = new Uint8Array(64);
      expect(api.getrandom(bytes)).toBe(64);
      expect(new Set(bytes).size).toBeGreaterThan(16);
      expect(api.backendInfo()).toMatchObject({ backend, requested: backend });
    }
  });

  it('getRandomValues fills the 65 536-byte quota exactly', () => {
    const values = new Uint32Array(16_384);
    expect(getRandomValues(values)).toBe(values);
    expect(new Set(values).size).toBeGreaterThan(16_000);
  });
});

describe.skipIf(!vdsoHere)('the hot path (needs vDSO getrandom)', () => {
  it('getrandom(16) allocates nothing: 2 million calls trigger no garbage collection', () => {
    // A synchronous loop gives V8 no reason to collect except allocation, so any GC
    // between the markers means the calls allocated.
    const entry = new URL('../dist/index.js', import.meta.url).pathname;
    const script = `const { getrandom } = await import('${entry}');
const bytes = new Uint8Array(16);
for (let i = 0; i < 200000; i++) getrandom(bytes);
console.log('--- start ---');
for (let i = 0; i < 2000000; i++) getrandom(bytes);
console.log('--- end ---');`;
    const output = execFileSync(process.execPath, ['--trace-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const measured = output.slice(output.indexOf('--- start ---'), output.indexOf('--- end ---'));
    expect(output).toContain('--- end ---');
    expect(measured.split('\n').filter((line) => /Scavenge|Mark-Compact|Minor/.test(line))).toEqual([]);
  }, 60_000);
});

describe.skipIf(!linux)('VGETRANDOM_BACKEND in a fresh process (needs Linux)', () => {
  const entry = new URL('../dist/index.js', import.meta.url).pathname;
  const run = (backend: string) =>
    execFileSync(process.execPath, ['--input-type=module', '-e', `import('${entry}').then((m) => { try { m.getrandom(new Uint8Array(4)); console.log(JSON.stringify(m.backendInfo())); } catch (e) { console.log(JSON.stringify({ code: e.code })); } })`], {
      env: { ...process.env, VGETRANDOM_BACKEND: backend },
      encoding: 'utf8',
    });

  it.each(['syscall', 'crypto'])('=%s forces it', (backend) => {
    expect(JSON.parse(run(backend))).toMatchObject({ backend, requested: backend });
  });

  it.each(['quantum', ' vdso'])('an unknown value (%j) fails at first use, not at import', (value) => {
    expect(JSON.parse(run(value))).toEqual({ code: 'ERR_INVALID_BACKEND' });
  });

  it('an unknown value: backendInfo() says so, with the accepted values, and does not throw', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', `import('${entry}').then((m) => console.log(JSON.stringify(m.backendInfo())))`], {
      env: { ...process.env, VGETRANDOM_BACKEND: ' vdso' },
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toMatchObject({ backend: 'none', requested: 'invalid', error: { code: 'ERR_INVALID_BACKEND', value: ' vdso', accepted: ['auto', 'vdso', 'syscall', 'crypto'] } });
  });
});
