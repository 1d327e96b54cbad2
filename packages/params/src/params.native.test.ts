import { describe, expect, it } from 'vitest';
import { MAP_ANONYMOUS, MAP_DROPPABLE, PROT_READ, PROT_WRITE, addressOf, nativeAvailability, pageSize } from '@vgetrandom/sys';
import { getrandomSymbolFor, resolveVdsoSymbol } from '@vgetrandom/vdso';
import { describeMapFlags, describeProt } from './decode.js';
import { discoverParams } from './discover.js';

const symbol = getrandomSymbolFor();
const hostHasVgetrandom =
  nativeAvailability().available && symbol !== undefined && !symbol.syscallOnly && resolveVdsoSymbol(symbol.name, symbol.version) !== undefined;

describe.skipIf(!hostHasVgetrandom)('discoverParams on this host (needs a kernel with vDSO getrandom)', () => {
  it('is supported, and the answer satisfies every rule a state allocator relies on', () => {
    const outcome = discoverParams();
    if (!outcome.supported) throw new Error(`unsupported: ${outcome.reason}: ${outcome.detail}`);
    const { params } = outcome;
    expect(outcome.pageSize).toBe(pageSize());
    expect(params.sizeOfOpaqueState).toBeGreaterThan(0);
    expect(params.sizeOfOpaqueState).toBeLessThanOrEqual(outcome.pageSize);
    expect(params.mmapProt & (PROT_READ | PROT_WRITE)).toBe(PROT_READ | PROT_WRITE);
    expect(params.mmapFlags & MAP_ANONYMOUS).toBe(MAP_ANONYMOUS);
    expect(describeProt(params.mmapProt)).toContain('PROT_READ|PROT_WRITE');
    expect(describeMapFlags(params.mmapFlags)).toMatch(/MAP_ANONYMOUS/);
    expect(outcome.vgetrandom.address).toBe(resolveVdsoSymbol(symbol!.name, symbol!.version));
  });

  it('asks for droppable memory on a 6.11+ kernel', () => {
    const outcome = discoverParams();
    expect(outcome.supported && outcome.params.mmapFlags & 0x0f).toBe(MAP_DROPPABLE);
  });

  it('is computed once and cached', () => {
    expect(discoverParams()).toBe(discoverParams());
  });

  it('the binding it returns generates bytes with a state-sized opaque_len', () => {
    const outcome = discoverParams();
    if (!outcome.supported) throw new Error(outcome.reason);
    // A state straight from a JS buffer is fine for one call here; real states live in mmap.
    // It must not cross a page (the vDSO answers -EFAULT): a heap buffer does about 1 time in
    // 28, so the state is placed inside a larger off-heap buffer where it fits in one page.
    const size = outcome.params.sizeOfOpaqueState;
    const backing = new Uint8Array(new ArrayBuffer(2 * size));
    const page = BigInt(pageSize());
    const offset = (addressOf(backing) % page) + BigInt(size) > page ? Number(page - (addressOf(backing) % page)) : 0;
    const state = backing.subarray(offset, offset + size);
    const out = new Uint8Array(32);
    expect(Number(outcome.vgetrandom.call(out, out.length, 0, state, outcome.params.sizeOfOpaqueState))).toBe(32);
    expect(out.some((byte) => byte !== 0)).toBe(true);
  });
});

describe.skipIf(hostHasVgetrandom)('discoverParams on a host without vDSO getrandom (runs only where the host lacks it)', () => {
  it('reports why, without throwing', () => {
    expect(discoverParams()).toMatchObject({ supported: false });
  });
});
