// The three ways to fill bytes. A backend fills the first `length` bytes of a view and
// returns the count written (possibly short) or a negative errno; it never throws for
// an errno, so the caller decodes every error in one place.
import type { randomFillSync as cryptoRandomFillSync } from 'node:crypto';
import type { VgetrandomFunction } from '@vgetrandom/params';
import { type Address, SysError } from '@vgetrandom/sys';
import { bytesOfView } from './views.js';

/** The three ways to fill bytes. */
export type BackendName = 'vdso' | 'syscall' | 'crypto';

export interface Backend {
  readonly name: BackendName;
  fill(view: ArrayBufferView, length: number, flags: number): number;
}

/** The vDSO function with this thread's state. opaque_len is the exact state size. */
export function vdsoBackend(call: VgetrandomFunction, state: Address, stateSize: number): Backend {
  return {
    name: 'vdso',
    fill: (view, length, flags) => call(view, length, flags, state, stateSize) as number,
  };
}

export type SyscallFunction = (target: ArrayBufferView, length: number, flags: number) => number;

export function syscallBackend(syscall: SyscallFunction): Backend {
  return {
    name: 'syscall',
    fill: (view, length, flags) => {
      try {
        return syscall(view, length, flags);
      } catch (error) {
        if (error instanceof SysError && error.errno !== undefined) return -error.errno;
        throw error;
      }
    },
  };
}

/** node:crypto, for hosts without native calls. It never blocks once Node has started. */
// node:crypto is loaded when this backend is chosen, not at import: loading it costs a few ms,
// which a process on the vDSO never needs to pay (getBuiltinModule: Node >= 20.16).
export function cryptoBackend(randomFillSync: typeof cryptoRandomFillSync = process.getBuiltinModule('node:crypto').randomFillSync): Backend {
  return {
    name: 'crypto',
    fill: (view, length) => {
      randomFillSync(bytesOfView(view, length));
      return length;
    },
  };
}
