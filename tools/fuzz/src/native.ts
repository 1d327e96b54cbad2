// What the slab-native target needs from the machine: real MAP_DROPPABLE pages from the
// kernel's params, the vDSO function to use each state, and madvise to drop pages.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { discoverParams } from '@vgetrandom/params';
import { MmapPageSource } from '@vgetrandom/slab';
import { MADV_DONTNEED, madvise, toAddress } from '@vgetrandom/sys';
import type { NativeHooks } from './targets/slab.js';

/** The hooks, or why this host cannot run the native target. */
export function nativeHooks(): NativeHooks | string {
  if (process.platform !== 'linux') return 'needs Linux';
  const discovery = discoverParams();
  if (!discovery.supported) return `needs vDSO getrandom (${discovery.reason}: ${discovery.detail})`;
  const { params, vgetrandom } = discovery;
  const output = new Uint8Array(16);
  return {
    stateSize: params.sizeOfOpaqueState,
    mmapProt: params.mmapProt,
    mmapFlags: params.mmapFlags,
    createSource: () => new MmapPageSource(params),
    useState: (address) => Number(vgetrandom.call(output, output.length, 0, toAddress(address), params.sizeOfOpaqueState)),
    drop: (region) => madvise(toAddress(region.address), region.byteLength, MADV_DONTNEED),
  };
}

/**
 * Whether this process's vDSO exports a getrandom, judged without our parser: the symbol's
 * name appears in the [vdso] mapping (read through /proc/self/mem). When it does and the
 * native targets still say "unavailable", our own code is what failed.
 */
export function vdsoAdvertisesGetrandom(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const line = readFileSync('/proc/self/maps', 'latin1').split('\n').find((entry) => entry.endsWith('[vdso]'));
    if (!line) return false;
    const [start, end] = line.split(' ')[0]!.split('-').map((hex) => Number.parseInt(hex, 16)) as [number, number];
    const bytes = Buffer.alloc(end - start);
    const file = openSync('/proc/self/mem', 'r');
    try {
      readSync(file, bytes, 0, bytes.length, start);
    } finally {
      closeSync(file);
    }
    return bytes.includes('__vdso_getrandom\0') || bytes.includes('__kernel_getrandom\0');
  } catch {
    return false;
  }
}
