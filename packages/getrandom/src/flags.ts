// getrandom(2) flags, and the checks made before any native call.
import { GetrandomError } from './errors.js';

/** Do not block if the kernel RNG is not ready yet; fail with EAGAIN instead. */
export const GRND_NONBLOCK = 0x1;
/** Historical /dev/random semantics; today the same pool. */
export const GRND_RANDOM = 0x2;
/** Return bytes even before the RNG is seeded (Linux 5.6+). */
export const GRND_INSECURE = 0x4;

const KNOWN_FLAGS = GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE;
const EINVAL = 22;

/**
 * The syscall rejects unknown bits and INSECURE|RANDOM with EINVAL; the vDSO accepts the
 * latter once the RNG is ready. We promise syscall semantics, so we reject both here.
 */
export function checkFlags(flags: number): void {
  // A range check, not a bit mask: `flags & ~7` looks at 32 bits only and would let 2^32 pass.
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > KNOWN_FLAGS) {
    throw new GetrandomError('EINVAL', `flags must be a combination of GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE (got ${String(flags)})`, {
      errno: EINVAL,
    });
  }
  if ((flags & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) {
    throw new GetrandomError('EINVAL', 'GRND_INSECURE and GRND_RANDOM cannot be combined', { errno: EINVAL });
  }
}
