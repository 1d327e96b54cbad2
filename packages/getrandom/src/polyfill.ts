// @vgetrandom/getrandom/polyfill: routes the Web Crypto entry points of this thread's
// globalThis.crypto through this package, so that libraries which draw from
// `crypto.getRandomValues()` or `crypto.randomUUID()` (uuid, nanoid, @noble/hashes, ...) get
// the vDSO without a change. Importing it installs; restore() undoes.
//
// Reaches: globalThis.crypto.getRandomValues and .randomUUID, and node:crypto's `webcrypto`
// (the same object), on the thread that imports it (import it in each worker that needs it).
// Does not reach: node:crypto's module functions (randomBytes, randomFillSync, randomUUID,
// randomInt), crypto.subtle, TLS or anything else OpenSSL generates for itself.
import type { webcrypto } from 'node:crypto';
import { invalidThis, missingArgs } from './errors.js';
import { getRandomValues, randomUUID } from './index.js';

type UUID = `${string}-${string}-${string}-${string}-${string}`;
const target = globalThis.crypto as webcrypto.Crypto | undefined;
// Node keeps these methods on Crypto.prototype, enumerable, as Web IDL does; so do we.
const prototype = target === undefined ? undefined : (Object.getPrototypeOf(target) as Record<string, unknown>);
const NAMES = ['getRandomValues', 'randomUUID'] as const;
const before = new Map(NAMES.map((name) => [name, prototype === undefined ? undefined : Object.getOwnPropertyDescriptor(prototype, name)]));

// Method syntax gives each function Node's `name` and `length` (1 and 0). Each checks its
// receiver first and then its arguments, in Node's order and with Node's errors: a method
// taken off `crypto` and called alone throws ERR_INVALID_THIS, as it does in Node and browsers.
const ours = {
  getRandomValues<T extends ArrayBufferView | null>(this: unknown, array: T): T {
    if (this !== target) throw invalidThis('Crypto');
    if (arguments.length < 1) throw missingArgs('getRandomValues', 'Crypto', 1, 0);
    // Same validation and errors as Web Crypto's (TypeMismatchError, QuotaExceededError).
    return getRandomValues(array);
  },
  randomUUID(this: unknown): UUID {
    if (this !== target) throw invalidThis('Crypto');
    return randomUUID();
  },
};

/** Whether globalThis.crypto is routed through this package on this thread. */
export function installed(): boolean {
  return prototype !== undefined && prototype['getRandomValues'] === ours.getRandomValues && prototype['randomUUID'] === ours.randomUUID;
}

/** Routes globalThis.crypto.getRandomValues and .randomUUID through this package (done at import). */
export function install(): void {
  if (prototype === undefined) return;
  for (const name of NAMES) {
    Object.defineProperty(prototype, name, { value: ours[name], writable: true, enumerable: true, configurable: true });
  }
}

/** Gives globalThis.crypto its own methods back. */
export function restore(): void {
  if (prototype === undefined) return;
  for (const name of NAMES) {
    const descriptor = before.get(name);
    if (descriptor) Object.defineProperty(prototype, name, descriptor);
    else delete prototype[name];
  }
}

install();
