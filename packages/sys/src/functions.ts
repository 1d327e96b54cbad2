// Turning a native address into a callable JS function.
import { type Address } from './address.js';
import { SysError } from './errors.js';
import { type NativeFunction, koffi } from './native.js';
import { withTerminationGuard } from './termination-guard.js';

const prototypes = new Map<string, ReturnType<ReturnType<typeof koffi>['proto']>>();

/**
 * Declares a C prototype for `address` and returns the callable function. Decode
 * once and keep the result: decoding per call costs far more than the call.
 * `prototype` is a C declaration, e.g.
 * `'long vgetrandom(void *buffer, size_t length, unsigned int flags, void *state, size_t state_length)'`.
 * The function runs synchronously on the calling thread.
 * @throws SysError ERR_INVALID_ARGUMENT for address 0 or an unparsable prototype.
 */
export function decodeFunction(address: Address, prototype: string): NativeFunction {
  if (address === 0n) {
    throw new SysError('ERR_INVALID_ARGUMENT', 'decodeFunction', 'cannot decode a function at address 0');
  }
  const ffi = koffi();
  let type = prototypes.get(prototype);
  try {
    // koffi registers a named prototype once; declaring the same name again throws.
    type ??= withTerminationGuard(() => ffi.proto(prototype));
    prototypes.set(prototype, type);
  } catch (cause) {
    if (cause instanceof SysError) throw cause;
    throw new SysError('ERR_INVALID_ARGUMENT', 'decodeFunction', `bad C prototype '${prototype}': ${(cause as Error).message}`, {
      cause,
    });
  }
  const known = type;
  return withTerminationGuard(() => ffi.decode(address, known) as NativeFunction);
}
