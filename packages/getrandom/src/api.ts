// The public functions, bound to an engine: getrandom(2) itself, and node:crypto's
// random functions with node:crypto's validation. No random bytes outlive a call: the
// scratch buffers used by randomInt and randomUUID are wiped before returning.
import { type BackendInfo, type Engine, SCRATCH_BYTES } from './engine.js';
import { GetrandomError, invalidArgType, lostBuffer, outOfRange, quotaExceeded, typeMismatch } from './errors.js';
import { checkFlags } from './flags.js';
import { type Extent, bytesOf, extentOf, liveByteLength, realByteLength, typedArrayKind, typedArrayLength } from './views.js';
import { UUID_BYTES, uuidOf, uuidsOf } from './uuid.js';

const kMaxLength = 2 ** 31 - 1;
/** node:crypto's randomInt bound: ranges up to 2^48 - 1. */
const RAND_MAX = 0xffff_ffff_ffff;
const QUOTA = 65_536;
/** Large async fills are split so the event loop keeps turning. */
const ASYNC_CHUNK = 1 << 20;

type Callback<T> = (error: Error | null, value: T) => void;
/** A UUID as node:crypto types it (`crypto.UUID`). */
export type UUID = `${string}-${string}-${string}-${string}-${string}`;
type AnyBuffer = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

/** Every public function, bound to one engine. */
export interface RandomApi {
  getrandom(view: ArrayBufferView, flags?: number): number;
  backendInfo(): BackendInfo;
  randomFillSync<T extends AnyBuffer>(buffer: T, offset?: number, size?: number): T;
  randomFill<T extends AnyBuffer>(buffer: T, callback: Callback<T>): void;
  randomFill<T extends AnyBuffer>(buffer: T, offset: number, callback: Callback<T>): void;
  randomFill<T extends AnyBuffer>(buffer: T, offset: number, size: number, callback: Callback<T>): void;
  randomBytes(size: number): Buffer<ArrayBuffer>;
  randomBytes(size: number, callback: Callback<Buffer<ArrayBuffer>>): void;
  randomInt(max: number): number;
  randomInt(min: number, max: number): number;
  randomInt(max: number, callback: Callback<number>): void;
  randomInt(min: number, max: number, callback: Callback<number>): void;
  randomInts(min: number, max: number, count: number): number[];
  randomUUID(options?: { disableEntropyCache?: boolean | undefined }): UUID;
  randomUUIDs(count: number): UUID[];
  getRandomValues<T extends ArrayBufferView | ArrayBuffer | null>(typedArray: T): T;
  /**
   * Returns the engine's state for good (also as `[Symbol.dispose]`, for `using`); later
   * calls throw GetrandomError ERR_ENGINE_DISPOSED. An API dropped without it returns its
   * state when garbage-collected.
   */
  dispose(): void;
}

/**
 * How many bytes one draw for `range` takes: the fewest whose span is at least 64 times the
 * range, so that rejection sampling redraws at most one draw in 64; 6 (node:crypto's 48 bits)
 * for the largest ranges, where up to half are redrawn. Up to 3 bytes a draw is a small
 * integer, and V8's integer remainder is several times cheaper than the double one.
 */
function drawWidth(range: number): number {
  if (range <= 4) return 1;
  if (range <= 1024) return 2;
  if (range <= 2 ** 18) return 3;
  if (range <= 2 ** 26) return 4;
  if (range <= 2 ** 34) return 5;
  return 6;
}

/** Draws at or above this are redrawn: the last whole multiple of `range` in a draw's span. */
function drawLimit(range: number, width: number): number {
  // Up to 3 bytes the span is a small integer and so is the remainder: no float division.
  const span = width <= 3 ? 1 << (8 * width) : 2 ** (8 * width);
  return span - (span % range);
}

/**
 * The big-endian integer of `width` bytes at bytes[at..): up to 4 bytes with integer
 * operations, 5 and 6 as a multiple of 2^32 plus the low 32 bits unsigned. (0.1.0 wrote
 * `a + b + (c) >>> 0`, and `>>>` binds looser than `+`: only 32 bits survived.)
 */
function readDraw(bytes: Uint8Array, at: number, width: number): number {
  switch (width) {
    case 1:
      return bytes[at]!;
    case 2:
      return (bytes[at]! << 8) | bytes[at + 1]!;
    case 3:
      return (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
    case 4:
      return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
    case 5:
      return bytes[at]! * 2 ** 32 + (((bytes[at + 1]! << 24) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!) >>> 0);
    default:
      return (bytes[at]! * 0x100 + bytes[at + 1]!) * 2 ** 32 + (((bytes[at + 2]! << 24) | (bytes[at + 3]! << 16) | (bytes[at + 4]! << 8) | bytes[at + 5]!) >>> 0);
  }
}

function checkOffset(offset: unknown, elementSize: number, length: number): number {
  if (typeof offset !== 'number') throw invalidArgType('offset', 'of type number', offset);
  const bytes = offset * elementSize;
  const max = Math.min(length, kMaxLength);
  if (Number.isNaN(bytes) || bytes > max || bytes < 0) throw outOfRange('offset', `>= 0 && <= ${max}`, bytes);
  return bytes >>> 0;
}

function checkSize(size: unknown, elementSize: number, offset: number, length: number): number {
  if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
  const bytes = size * elementSize;
  if (Number.isNaN(bytes) || bytes > kMaxLength || bytes < 0) throw outOfRange('size', `>= 0 && <= ${kMaxLength}`, bytes);
  if (bytes + offset > length) throw outOfRange('size + offset', `<= ${length}`, bytes + offset);
  return bytes >>> 0;
}

function checkCallback(callback: unknown): asserts callback is (...args: never[]) => void {
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
}

/** The public functions over `engine` (the package exports the ones over its default engine). */
export function createApi(engine: Engine): RandomApi {
  function getrandom(view: ArrayBufferView, flags = 0): number {
    // A bad buffer is stopped here: a bad pointer would crash inside the vDSO. Lengths are
    // the view's real ones, read from its internal slots whatever its properties say
    // (views.ts). A Uint8Array (a Buffer too) is told apart first: it is what most callers
    // pass, and its kind and length are two intrinsic calls without a try.
    if (typedArrayKind(view) === 'Uint8Array') {
      const length = typedArrayLength(view);
      if (flags !== 0) checkFlags(flags);
      // A small one goes through the engine's off-heap scratch: V8 keeps arrays of up to 64
      // bytes on its heap, and moving one off it costs more than the fill.
      if (length <= SCRATCH_BYTES) {
        if (length !== 0) engine.fillSmall(view as Uint8Array, length, flags);
      } else {
        engine.fill(view, length, flags);
      }
      return length;
    }
    const length = realByteLength(view);
    if (length < 0) {
      throw new GetrandomError('EFAULT', 'getrandom() needs an ArrayBufferView (a TypedArray, Buffer or DataView)', { errno: 14 });
    }
    if (flags !== 0) checkFlags(flags);
    if (length !== 0) engine.fill(view, length, flags);
    return length;
  }

  function randomFillSync<T extends AnyBuffer>(buffer: T, offset: number = 0, size?: number): T {
    const extent = extentOf(buffer);
    if (extent === undefined) throw invalidArgType('buf', 'an instance of ArrayBuffer or ArrayBufferView', buffer);
    const start = checkOffset(offset, extent.elementSize, extent.byteLength);
    const length = size === undefined ? extent.byteLength - start : checkSize(size, extent.elementSize, start, extent.byteLength);
    if (length > 0) engine.fill(bytesOf(extent, start, length), length, 0);
    return buffer;
  }

  function randomFill<T extends AnyBuffer>(buffer: T, offset?: unknown, size?: unknown, callback?: unknown): void {
    const extent = extentOf(buffer);
    if (extent === undefined) throw invalidArgType('buf', 'an instance of ArrayBuffer or ArrayBufferView', buffer);
    const elementSize = extent.elementSize;
    if (typeof offset === 'function') {
      callback = offset;
      offset = 0;
      size = undefined;
    } else if (typeof size === 'function') {
      callback = size;
      size = undefined;
    } else {
      checkCallback(callback);
    }
    const done = callback as Callback<T>;
    const start = checkOffset(offset, elementSize, extent.byteLength);
    const length = size === undefined ? extent.byteLength - start : checkSize(size, elementSize, start, extent.byteLength);
    // As node:crypto: nothing to fill (an empty or detached view) calls back at once.
    if (length === 0) return done(null, buffer);
    fillAsync(extent, start, length, () => done(null, buffer), done as Callback<unknown>);
  }

  /**
   * Fills in 1 MiB steps on later turns of the event loop; the state stays on this thread.
   * Between steps user code runs and may detach, transfer or shrink the buffer: each step
   * first checks that the whole range is still there, and if not calls back with
   * ERR_BUFFER_DETACHED. Success is reported only once every byte is written.
   */
  function fillAsync(extent: Extent, start: number, length: number, onDone: () => void, onError: Callback<unknown>): void {
    let bytes: Uint8Array;
    try {
      bytes = bytesOf(extent, start, length);
    } catch (cause) {
      return onError(lostBuffer(0, length, cause), undefined);
    }
    let at = 0;
    const step = () => {
      try {
        // Our own view over the range reads 0 once the buffer is detached or shrunk.
        if (liveByteLength(bytes) !== length) return onError(lostBuffer(at, length), undefined);
        const end = Math.min(length, at + ASYNC_CHUNK);
        engine.fill(bytesOf(extent, start + at, end - at), end - at, 0);
        at = end;
      } catch (error) {
        return onError(error as Error, undefined);
      }
      if (at < length) setImmediate(step);
      else onDone();
    };
    setImmediate(step);
  }

  function randomBytes(size: number, callback?: Callback<Buffer<ArrayBuffer>>): Buffer<ArrayBuffer> | undefined {
    if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
    if (Number.isNaN(size) || size > kMaxLength || size < 0) throw outOfRange('size', `>= 0 && <= ${kMaxLength}`, size);
    if (callback !== undefined) checkCallback(callback);
    // Memory of its own, as node:crypto's (`new FastBuffer(size)`, which Buffer.alloc is):
    // allocUnsafe() would slice Node's shared 8 KiB pool, so that the key bytes could be read
    // through any other pooled Buffer's `.buffer`, and `.buffer` could not be imported as a raw
    // key or transferred alone. A small one lives on V8's heap, so it is filled through the
    // engine's off-heap scratch, as getrandom() fills a small Uint8Array.
    const buffer = Buffer.alloc(size >>> 0);
    if (callback === undefined) {
      const length = buffer.length;
      if (length > SCRATCH_BYTES) engine.fill(buffer, length, 0);
      else if (length > 0) engine.fillSmall(buffer, length, 0);
      return buffer;
    }
    if (buffer.length === 0) {
      callback(null, buffer);
      return undefined;
    }
    fillAsync(extentOf(buffer)!, 0, buffer.length, () => callback(null, buffer), callback as Callback<unknown>);
    return undefined;
  }

  function randomInt(first: number, second?: unknown, third?: unknown): number | undefined {
    const minOmitted = second === undefined || typeof second === 'function';
    const min = minOmitted ? 0 : first;
    const max = minOmitted ? first : (second as number);
    const callback = (minOmitted ? second : third) as Callback<number> | undefined;
    if (callback !== undefined) checkCallback(callback);
    if (!Number.isSafeInteger(min)) throw invalidArgType('min', 'a safe integer', min);
    if (!Number.isSafeInteger(max)) throw invalidArgType('max', 'a safe integer', max);
    if (max <= min) throw outOfRange('max', `greater than the value of "min" (${min})`, max);
    const range = max - min;
    if (!(range <= RAND_MAX)) throw outOfRange(minOmitted ? 'max' : 'max - min', `<= ${RAND_MAX}`, range);
    // Rejection sampling: draws at or above the last whole multiple of `range` in their
    // span would bias the result, so they are drawn again.
    const width = drawWidth(range);
    const limit = drawLimit(range, width);
    let value: number;
    try {
      do value = readDraw(engine.fillScratch(width, 0), 0, width);
      while (value >= limit);
    } finally {
      engine.wipeScratch(width);
    }
    const result = min + (value % range);
    if (callback === undefined) return result;
    process.nextTick(callback, null, result);
    return undefined;
  }

  /**
   * `count` integers in [min, max), from one native call (and one more a round of redraws:
   * each round draws again only for the draws it rejected, at most one in 64 for ranges up
   * to 2^34).
   */
  function randomInts(min: number, max: number, count: number): number[] {
    if (!Number.isSafeInteger(min)) throw invalidArgType('min', 'a safe integer', min);
    if (!Number.isSafeInteger(max)) throw invalidArgType('max', 'a safe integer', max);
    if (max <= min) throw outOfRange('max', `greater than the value of "min" (${min})`, max);
    const range = max - min;
    if (!(range <= RAND_MAX)) throw outOfRange('max - min', `<= ${RAND_MAX}`, range);
    if (!Number.isSafeInteger(count)) throw invalidArgType('count', 'a safe integer', count);
    if (count < 0 || count > 1 << 24) throw outOfRange('count', `>= 0 && <= ${1 << 24}`, count);
    const values = new Array<number>(count);
    if (count === 0) return values;
    const width = drawWidth(range);
    const limit = drawLimit(range, width);
    const bytes = new Uint8Array(count * width);
    try {
      let filled = 0;
      while (filled < count) {
        const end = (count - filled) * width;
        engine.fill(bytes, end, 0);
        for (let at = 0; at < end; at += width) {
          const value = readDraw(bytes, at, width);
          if (value < limit) values[filled++] = min + (value % range);
        }
      }
    } finally {
      bytes.fill(0);
    }
    return values;
  }

  function randomUUID(options?: { disableEntropyCache?: boolean | undefined }): UUID {
    if (options !== undefined) {
      // As node:crypto's validateObject: null and arrays are not options objects.
      if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidArgType('options', 'of type object', options);
      const disable = options.disableEntropyCache;
      if (disable !== undefined && typeof disable !== 'boolean') {
        throw invalidArgType('options.disableEntropyCache', 'of type boolean', disable);
      }
    }
    // We never cache, so disableEntropyCache changes nothing: every UUID is fresh output.
    const uuid = uuidOf(engine.fillScratch(UUID_BYTES, 0)) as UUID;
    engine.wipeScratch(UUID_BYTES);
    return uuid;
  }

  function randomUUIDs(count: number): UUID[] {
    if (!Number.isSafeInteger(count)) throw invalidArgType('count', 'a safe integer', count);
    if (count < 0 || count > 1 << 24) throw outOfRange('count', `>= 0 && <= ${1 << 24}`, count);
    const bytes = new Uint8Array(count * UUID_BYTES);
    try {
      if (count > 0) engine.fill(bytes, bytes.length, 0);
      return uuidsOf(bytes, count) as UUID[];
    } finally {
      bytes.fill(0);
    }
  }

  function getRandomValues<T extends ArrayBufferView | ArrayBuffer | null>(typedArray: T): T {
    const kind = typedArrayKind(typedArray);
    if (kind === undefined || kind.startsWith('Float')) throw typeMismatch('The data argument must be an integer-type TypedArray');
    const length = realByteLength(typedArray);
    if (length > QUOTA) throw quotaExceeded('The requested length exceeds 65,536 bytes');
    if (length > 0) engine.fill(typedArray as ArrayBufferView, length, 0);
    return typedArray;
  }

  const api: RandomApi = {
    getrandom,
    backendInfo: () => engine.info(),
    randomFillSync,
    randomFill: randomFill as RandomApi['randomFill'],
    randomBytes: randomBytes as RandomApi['randomBytes'],
    randomInt: randomInt as RandomApi['randomInt'],
    randomInts,
    randomUUID,
    randomUUIDs,
    getRandomValues,
    dispose: () => engine.dispose(),
  };
  // node:crypto's names, whatever a bundler renames our functions to (they show in stacks).
  for (const [name, value] of Object.entries(api)) Object.defineProperty(value, 'name', { value: name, configurable: true });
  // Symbol.dispose exists from Node 20.4 on (and with TypeScript's `using`).
  const disposeSymbol = (Symbol as { dispose?: symbol }).dispose;
  if (disposeSymbol !== undefined) Object.defineProperty(api, disposeSymbol, { value: api.dispose });
  return api;
}
