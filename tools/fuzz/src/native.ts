// What the slab-native target needs from the machine: real MAP_DROPPABLE pages from the
// kernel's params, the vDSO function to use each state, and madvise to drop pages.
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
    createSource: () => new MmapPageSource(params),
    useState: (address) => Number(vgetrandom.call(output, output.length, 0, toAddress(address), params.sizeOfOpaqueState)),
    drop: (region) => madvise(toAddress(region.address), region.byteLength, MADV_DONTNEED),
  };
}
