// Where a buffer's bytes really are. A view's byteLength, byteOffset and buffer are
// properties user code can redefine (own properties, subclass getters, a swapped
// prototype); the native call writes wherever we say. So every extent is read from the
// engine's internal slots, through the intrinsic getters captured here at module load (and
// bound to Function.prototype.call then, as Node's primordials do: no array per call, and
// later tampering with globals changes nothing): no user code runs between reading an
// extent and using it.
// See docs/decisions/0007-lengths-from-internal-slots.md.
import { types } from 'node:util';

const { getOwnPropertyDescriptor, getPrototypeOf } = Object;
const { bind, call } = Function.prototype;
// The constructor we build our own windows with; a replaced global cannot intervene.
const NativeUint8Array = Uint8Array;
// node:util's checks read internal slots (a Proxy or a look-alike is not a view).
const { isDataView, isArrayBuffer, isSharedArrayBuffer } = types;

/** The intrinsic getter `key` of `prototype`, as a function of the receiver. */
function intrinsicGetter(prototype: object, key: PropertyKey): (receiver: unknown) => unknown {
  const getter = getOwnPropertyDescriptor(prototype, key)?.get;
  if (getter === undefined) throw new Error(`this JavaScript engine has no intrinsic getter for ${String(key)}`);
  return bind.call(call, getter) as (receiver: unknown) => unknown;
}

const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
// Returns the [[TypedArrayName]] slot, or undefined for anything that is not a typed array.
const typedArrayName = intrinsicGetter(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayBuffer = intrinsicGetter(TypedArrayPrototype, 'buffer');
const typedArrayByteOffset = intrinsicGetter(TypedArrayPrototype, 'byteOffset');
// 0 for a detached or out-of-bounds view; the current length for a length-tracking one.
const typedArrayByteLength = intrinsicGetter(TypedArrayPrototype, 'byteLength');
const dataViewBuffer = intrinsicGetter(DataView.prototype, 'buffer');
// These two throw TypeError for a detached or out-of-bounds DataView, as node:crypto does.
const dataViewByteOffset = intrinsicGetter(DataView.prototype, 'byteOffset');
const dataViewByteLength = intrinsicGetter(DataView.prototype, 'byteLength');
const arrayBufferByteLength = intrinsicGetter(ArrayBuffer.prototype, 'byteLength');
const typedArraySet = bind.call(call, (TypedArrayPrototype as { set: (...args: unknown[]) => void }).set) as (target: Uint8Array, source: Uint8Array) => void;
const sharedArrayBufferByteLength = intrinsicGetter(SharedArrayBuffer.prototype, 'byteLength');

const ELEMENT_SIZES: Readonly<Record<string, number>> = {
  Int8Array: 1,
  Uint8Array: 1,
  Uint8ClampedArray: 1,
  Int16Array: 2,
  Uint16Array: 2,
  Float16Array: 2,
  Int32Array: 4,
  Uint32Array: 4,
  Float32Array: 4,
  Float64Array: 8,
  BigInt64Array: 8,
  BigUint64Array: 8,
};

/** The real memory behind a buffer argument, read from internal slots. */
export interface Extent {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
  /** 1 for DataView and raw buffers, else the typed array's element size. */
  readonly elementSize: number;
}

/** The real type of a typed array (`'Uint8Array'`, ...), or undefined for anything else. */
export function typedArrayKind(value: unknown): string | undefined {
  return typedArrayName(value) as string | undefined;
}

/**
 * The real byteLength of a value typedArrayKind() named (0 when detached or out of bounds),
 * from its internal slot: the hot path's one call once the kind is known.
 */
export function typedArrayLength(view: ArrayBufferView): number {
  return typedArrayByteLength(view) as number;
}

/**
 * The real byteLength of a typed array or DataView: 0 when detached or out of bounds, -1
 * when `value` is neither. The hot path: one intrinsic call for a typed array.
 */
export function realByteLength(value: unknown): number {
  try {
    return typedArrayByteLength(value) as number;
  } catch {
    // Not a typed array: the getter checks the receiver's internal slots and throws.
  }
  if (!isDataView(value)) return -1;
  try {
    return dataViewByteLength(value) as number;
  } catch {
    return 0;
  }
}

/**
 * The real extent of a typed array, DataView, ArrayBuffer or SharedArrayBuffer, or
 * undefined when `value` is none of them (Proxies and look-alikes included).
 * @throws TypeError for a detached or out-of-bounds DataView (V8's own error).
 */
export function extentOf(value: unknown): Extent | undefined {
  const kind = typedArrayKind(value);
  if (kind !== undefined) {
    return {
      buffer: typedArrayBuffer(value) as ArrayBuffer,
      byteOffset: typedArrayByteOffset(value) as number,
      byteLength: typedArrayByteLength(value) as number,
      elementSize: ELEMENT_SIZES[kind] ?? 1,
    };
  }
  if (isDataView(value)) {
    const byteLength = dataViewByteLength(value) as number;
    return { buffer: dataViewBuffer(value) as ArrayBuffer, byteOffset: dataViewByteOffset(value) as number, byteLength, elementSize: 1 };
  }
  if (isArrayBuffer(value)) return { buffer: value, byteOffset: 0, byteLength: arrayBufferByteLength(value) as number, elementSize: 1 };
  if (isSharedArrayBuffer(value)) return { buffer: value, byteOffset: 0, byteLength: sharedArrayBufferByteLength(value) as number, elementSize: 1 };
  return undefined;
}

/**
 * Our own Uint8Array over bytes [start, start + length) of `extent`. The constructor checks
 * the range against the buffer's real length, so it can never reach past the memory.
 * @throws RangeError when the range is no longer inside the buffer (it shrank).
 * @throws TypeError when the buffer is detached.
 */
export function bytesOf(extent: Extent, start: number, length: number): Uint8Array {
  return new NativeUint8Array(extent.buffer, extent.byteOffset + start, length);
}

/** Our own Uint8Array over the first `length` real bytes of a typed array or DataView. */
export function bytesOfView(view: ArrayBufferView, length: number): Uint8Array {
  const extent = extentOf(view);
  if (extent === undefined) throw new TypeError('not an ArrayBufferView');
  return bytesOf(extent, 0, length);
}

/** The real byteLength of one of our own Uint8Arrays: 0 once its buffer is detached or shrunk away. */
export function liveByteLength(bytes: Uint8Array): number {
  return typedArrayByteLength(bytes) as number;
}

/**
 * Copies `source` (ours) into `target` through the intrinsic %TypedArray%.prototype.set:
 * the target's own `set` may be redefined; the intrinsic checks the real lengths.
 */
export function copyInto(target: Uint8Array, source: Uint8Array): void {
  typedArraySet(target, source);
}
