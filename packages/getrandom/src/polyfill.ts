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
import { getRandomValues, randomUUID } from './index.js';

const target = globalThis.crypto as webcrypto.Crypto & Record<string, unknown>;
const own = {
  getRandomValues: Object.getOwnPropertyDescriptor(target, 'getRandomValues'),
  randomUUID: Object.getOwnPropertyDescriptor(target, 'randomUUID'),
};

/** Whether globalThis.crypto is routed through this package on this thread. */
export function installed(): boolean {
  return target.getRandomValues === ours.getRandomValues;
}

const ours = {
  // Same validation and errors as Web Crypto's (TypeMismatchError, QuotaExceededError).
  getRandomValues: <T extends ArrayBufferView | ArrayBuffer | null>(array: T): T => getRandomValues(array),
  randomUUID: (): `${string}-${string}-${string}-${string}-${string}` => randomUUID(),
};

/** Routes globalThis.crypto.getRandomValues and .randomUUID through this package (done at import). */
export function install(): void {
  if (target === undefined) return;
  for (const name of ['getRandomValues', 'randomUUID'] as const) {
    Object.defineProperty(target, name, { value: ours[name], writable: true, configurable: true, enumerable: false });
  }
}

/** Gives globalThis.crypto its own methods back. */
export function restore(): void {
  if (target === undefined) return;
  for (const name of ['getRandomValues', 'randomUUID'] as const) {
    const before = own[name];
    if (before) Object.defineProperty(target, name, before);
    else delete target[name];
  }
}

install();
