// The public functions, bound to an engine: getrandom(2) itself, and node:crypto's
// random functions with node:crypto's validation. No random bytes outlive a call: the
// scratch buffers used by randomInt and randomUUID are wiped before returning.
import { type BackendInfo, type Engine, SCRATCH_BYTES } from './engine.js';
import { GetrandomError, invalidArgType, lostBuffer, outOfRange, quotaExceeded, typeMismatch } from './errors.js';
import { checkFlags } from './flags.js';
import { type Extent, bytesOf, extentOf, liveByteLength, realByteLength, typedArrayKind } from './views.js';

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
  randomUUID(options?: { disableEntropyCache?: boolean }): UUID;
  randomUUIDs(count: number): UUID[];
  getRandomValues<T extends ArrayBufferView | ArrayBuffer | null>(typedArray: T): T;
}

// UUIDs are built as flat strings from character codes: a flat string is far cheaper to
// build and to keep than one concatenated from 20 pieces. One UUID passes its 36 codes to
// String.fromCharCode; many are written as ASCII into one buffer and decoded once.
const HEX_HIGH = new Uint8Array(256);
const HEX_LOW = new Uint8Array(256);
for (let byte = 0; byte < 256; byte += 1) {
  const hex = byte.toString(16).padStart(2, '0');
  HEX_HIGH[byte] = hex.charCodeAt(0);
  HEX_LOW[byte] = hex.charCodeAt(1);
}
const DASH = 0x2d;
// Buffer's own latin1 decoder, without toString's argument checks: the cheapest way from
// a long run of ASCII bytes to a flat string measured here. Node-internal, so
// it falls back to toString where it is missing.
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (this: Buffer, start: number, end: number) => string }).latin1Slice;
function latin1(buffer: Buffer, end: number): string {
  return latin1Slice ? latin1Slice.call(buffer, 0, end) : buffer.toString('latin1', 0, end);
}
const UUID_LENGTH = 36;

/**
 * The RFC 9562 version 4 UUID made of bytes[0..16), as one flat string. Its 36 character
 * codes go straight to String.fromCharCode as arguments: no text buffer to write, decode
 * and wipe. Measured here at about 60 ns against 130 for writing ASCII and latin1Slice.
 * (For many UUIDs at once, one decode sliced 36 characters at a time is cheaper still.)
 */
function uuidOf(bytes: Uint8Array): string {
  const high = HEX_HIGH;
  const low = HEX_LOW;
  const b0 = bytes[0]!, b1 = bytes[1]!, b2 = bytes[2]!, b3 = bytes[3]!, b4 = bytes[4]!, b5 = bytes[5]!;
  const b6 = (bytes[6]! & 0x0f) | 0x40; // version 4
  const b7 = bytes[7]!;
  const b8 = (bytes[8]! & 0x3f) | 0x80; // variant 10
  const b9 = bytes[9]!, b10 = bytes[10]!, b11 = bytes[11]!, b12 = bytes[12]!, b13 = bytes[13]!, b14 = bytes[14]!, b15 = bytes[15]!;
  return String.fromCharCode(
    high[b0]!, low[b0]!, high[b1]!, low[b1]!, high[b2]!, low[b2]!, high[b3]!, low[b3]!, DASH,
    high[b4]!, low[b4]!, high[b5]!, low[b5]!, DASH,
    high[b6]!, low[b6]!, high[b7]!, low[b7]!, DASH,
    high[b8]!, low[b8]!, high[b9]!, low[b9]!, DASH,
    high[b10]!, low[b10]!, high[b11]!, low[b11]!, high[b12]!, low[b12]!, high[b13]!, low[b13]!, high[b14]!, low[b14]!, high[b15]!, low[b15]!,
  );
}

/**
 * Writes the RFC 9562 version 4 UUID made of bytes[at..at+16) as 36 ASCII bytes at `to`.
 * Unrolled: the loop with its dash and version tests took twice as long.
 */
function writeUuid(bytes: Uint8Array, at: number, out: Uint8Array, to: number): void {
  const high = HEX_HIGH;
  const low = HEX_LOW;
  let byte = bytes[at]!;
  out[to] = high[byte]!;
  out[to + 1] = low[byte]!;
  byte = bytes[at + 1]!;
  out[to + 2] = high[byte]!;
  out[to + 3] = low[byte]!;
  byte = bytes[at + 2]!;
  out[to + 4] = high[byte]!;
  out[to + 5] = low[byte]!;
  byte = bytes[at + 3]!;
  out[to + 6] = high[byte]!;
  out[to + 7] = low[byte]!;
  out[to + 8] = DASH;
  byte = bytes[at + 4]!;
  out[to + 9] = high[byte]!;
  out[to + 10] = low[byte]!;
  byte = bytes[at + 5]!;
  out[to + 11] = high[byte]!;
  out[to + 12] = low[byte]!;
  out[to + 13] = DASH;
  byte = (bytes[at + 6]! & 0x0f) | 0x40; // version 4
  out[to + 14] = high[byte]!;
  out[to + 15] = low[byte]!;
  byte = bytes[at + 7]!;
  out[to + 16] = high[byte]!;
  out[to + 17] = low[byte]!;
  out[to + 18] = DASH;
  byte = (bytes[at + 8]! & 0x3f) | 0x80; // variant 10
  out[to + 19] = high[byte]!;
  out[to + 20] = low[byte]!;
  byte = bytes[at + 9]!;
  out[to + 21] = high[byte]!;
  out[to + 22] = low[byte]!;
  out[to + 23] = DASH;
  byte = bytes[at + 10]!;
  out[to + 24] = high[byte]!;
  out[to + 25] = low[byte]!;
  byte = bytes[at + 11]!;
  out[to + 26] = high[byte]!;
  out[to + 27] = low[byte]!;
  byte = bytes[at + 12]!;
  out[to + 28] = high[byte]!;
  out[to + 29] = low[byte]!;
  byte = bytes[at + 13]!;
  out[to + 30] = high[byte]!;
  out[to + 31] = low[byte]!;
  byte = bytes[at + 14]!;
  out[to + 32] = high[byte]!;
  out[to + 33] = low[byte]!;
  byte = bytes[at + 15]!;
  out[to + 34] = high[byte]!;
  out[to + 35] = low[byte]!;
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
    // A bad buffer is stopped here: a bad pointer would crash inside the vDSO. The length
    // is the view's real one, whatever its properties say (views.ts).
    const length = realByteLength(view);
    if (length < 0) {
      throw new GetrandomError('EFAULT', 'getrandom() needs an ArrayBufferView (a TypedArray, Buffer or DataView)', { errno: 14 });
    }
    if (flags !== 0) checkFlags(flags);
    // A small Uint8Array (a Buffer too) goes through the engine's off-heap scratch: V8 keeps
    // arrays of up to 64 bytes on its heap and moving one off it costs more than the fill.
    if (length <= SCRATCH_BYTES && length !== 0 && typedArrayKind(view) === 'Uint8Array') engine.fillSmall(view as Uint8Array, length, flags);
    else if (length !== 0) engine.fill(view, length, flags);
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
    const buffer = Buffer.allocUnsafe(size >>> 0);
    if (callback === undefined) {
      if (buffer.length > 0) engine.fill(buffer, buffer.length, 0);
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

  function randomUUID(options?: { disableEntropyCache?: boolean }): UUID {
    if (options !== undefined) {
      // As node:crypto's validateObject: null and arrays are not options objects.
      if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalidArgType('options', 'of type object', options);
      const disable = options.disableEntropyCache;
      if (disable !== undefined && typeof disable !== 'boolean') {
        throw invalidArgType('options.disableEntropyCache', 'of type boolean', disable);
      }
    }
    // We never cache, so disableEntropyCache changes nothing: every UUID is fresh output.
    const uuid = uuidOf(engine.fillScratch(16, 0)) as UUID;
    engine.wipeScratch(16);
    return uuid;
  }

  function randomUUIDs(count: number): UUID[] {
    if (!Number.isSafeInteger(count)) throw invalidArgType('count', 'a safe integer', count);
    if (count < 0 || count > 1 << 24) throw outOfRange('count', `>= 0 && <= ${1 << 24}`, count);
    const bytes = new Uint8Array(count * 16);
    if (count > 0) engine.fill(bytes, bytes.length, 0);
    const text = Buffer.allocUnsafe(count * UUID_LENGTH);
    for (let index = 0; index < count; index += 1) writeUuid(bytes, index * 16, text, index * UUID_LENGTH);
    bytes.fill(0);
    // One decode, then slices of it: each UUID costs one small string, not a rope.
    const all = latin1(text, text.length);
    text.fill(0);
    const uuids = new Array<UUID>(count);
    for (let index = 0; index < count; index += 1) uuids[index] = all.slice(index * UUID_LENGTH, (index + 1) * UUID_LENGTH) as UUID;
    return uuids;
  }

  function getRandomValues<T extends ArrayBufferView | ArrayBuffer | null>(typedArray: T): T {
    const kind = typedArrayKind(typedArray);
    if (kind === undefined || kind.startsWith('Float')) throw typeMismatch('The data argument must be an integer-type TypedArray');
    const length = realByteLength(typedArray);
    if (length > QUOTA) throw quotaExceeded('The requested length exceeds 65,536 bytes');
    if (length > 0) engine.fill(typedArray as ArrayBufferView, length, 0);
    return typedArray;
  }

  return {
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
  };
}
