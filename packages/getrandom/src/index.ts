// @vgetrandom/getrandom: random bytes from Linux's vDSO getrandom() with getrandom(2)
// semantics and node:crypto's API. Nothing happens at import: the backend is chosen at
// the first call, and each thread takes its own state then.
import { createApi } from './api.js';
import { createEngine } from './engine.js';

export type { RandomApi, UUID } from './api.js';
export type { BackendName } from './backends.js';
export {
  type BackendInfo,
  type BackendRequest,
  type BackendSelectionError,
  type EngineEnvironment,
  type Fallback,
  createEngine,
} from './engine.js';
export { GetrandomError, type GetrandomErrorCode } from './errors.js';
export { GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM } from './flags.js';
export { SHARED_POOL_KEY, type StatePool, privatePool, processPool, sharedStatePool } from './pool.js';
export { createApi };

const api = createApi(createEngine());

// The exports are bound under other names and renamed on export: a bundler that put a top-level
// `randomBytes` next to createApi's inner `function randomBytes` would rename the inner one
// (`randomBytes2`), and that name is what stack traces show.

/**
 * Fills every byte of `view` (respecting its byteOffset and byteLength) and returns the
 * count, like getrandom(2). Loops over short counts and retries EINTR.
 * @throws GetrandomError EINVAL (unknown flags, GRND_INSECURE|GRND_RANDOM), EAGAIN
 *   (GRND_NONBLOCK before the RNG is ready), EFAULT (not an ArrayBufferView),
 *   ERR_BACKEND_UNAVAILABLE / ERR_INVALID_BACKEND (VGETRANDOM_BACKEND).
 */
const getrandomExport = api.getrandom;
/** Which backend serves this thread, and why every better one was skipped. */
const backendInfoExport = api.backendInfo;
/** As `crypto.randomFillSync`. @throws TypeError ERR_INVALID_ARG_TYPE, RangeError ERR_OUT_OF_RANGE */
const randomFillSyncExport = api.randomFillSync;
/** As `crypto.randomFill`; fills on this thread in 1 MiB steps between event-loop turns. */
const randomFillExport = api.randomFill;
/** As `crypto.randomBytes`. */
const randomBytesExport = api.randomBytes;
/** As `crypto.randomInt`: unbiased, `[min, max)`, range up to 2^48 - 1. Caches nothing. */
const randomIntExport = api.randomInt;
/**
 * `count` unbiased integers in `[min, max)` (range up to 2^48 − 1, as randomInt) from one
 * native call: 6 bytes an integer, the biased tail drawn again. Nothing is kept between calls.
 * @throws TypeError ERR_INVALID_ARG_TYPE, RangeError ERR_OUT_OF_RANGE (count beyond 2^24)
 */
const randomIntsExport = api.randomInts;
/** As `crypto.randomUUID`: RFC 9562 version 4, from 16 fresh bytes every time. */
const randomUUIDExport = api.randomUUID;
/** `count` UUIDs from one native call. @throws RangeError ERR_OUT_OF_RANGE beyond 2^24 */
const randomUUIDsExport = api.randomUUIDs;
/** As `crypto.getRandomValues`. @throws DOMException TypeMismatchError, QuotaExceededError */
const getRandomValuesExport = api.getRandomValues;

export {
  getrandomExport as getrandom,
  backendInfoExport as backendInfo,
  randomFillSyncExport as randomFillSync,
  randomFillExport as randomFill,
  randomBytesExport as randomBytes,
  randomIntExport as randomInt,
  randomIntsExport as randomInts,
  randomUUIDExport as randomUUID,
  randomUUIDsExport as randomUUIDs,
  getRandomValuesExport as getRandomValues,
};
