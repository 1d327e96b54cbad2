// Errors of @vgetrandom/getrandom. getrandom() throws GetrandomError (getrandom(2)'s
// errno names). The node:crypto-compatible functions throw what node:crypto throws for
// the same input: TypeError/RangeError with Node's `code`, DOMException for Web Crypto.
import { inspect } from 'node:util';

/** getrandom(2)'s errno names, or our own `ERR_*` codes. */
export type GetrandomErrorCode = 'EINVAL' | 'EAGAIN' | 'EFAULT' | 'EINTR' | 'ERR_BACKEND_UNAVAILABLE' | 'ERR_INVALID_BACKEND' | 'ERR_BUFFER_DETACHED' | string;

/** An error of getrandom() itself: `code` is the errno name getrandom(2) would give, or ours. */
export class GetrandomError extends Error {
  override readonly name = 'GetrandomError';
  /** An errno name (`'EINVAL'`, `'EAGAIN'`) or one of our `ERR_*` codes. */
  readonly code: GetrandomErrorCode;
  /** The positive errno value, for errno codes. */
  readonly errno: number | undefined;

  constructor(code: GetrandomErrorCode, message: string, options: { errno?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errno = options.errno;
  }
}

type NodeErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_OUT_OF_RANGE' | 'ERR_INVALID_THIS' | 'ERR_MISSING_ARGS';

function nodeError<E extends TypeError | RangeError>(error: E, code: NodeErrorCode): E & { code: NodeErrorCode } {
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  // Node shows the code in the name part of the stack: "TypeError [ERR_X]: ...".
  if (error.stack) error.stack = error.stack.replace(/^(\w+)/, `$1 [${code}]`);
  return error as E & { code: NodeErrorCode };
}

/** How Node describes a wrong argument: "Received type number (1)", "Received null", ... */
function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return ` Received ${String(value)}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name ? ` Received an instance of ${name}` : ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

function describeNumber(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) > 2 ** 32) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, '_');
  }
  return inspect(value);
}

/** ERR_INVALID_ARG_TYPE for an argument (`'buf'`) or property (`'options.x'`). */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  const what = name.includes('.') ? `"${name}" property` : `"${name}" argument`;
  return nodeError(new TypeError(`The ${what} must be ${expected}.${describeReceived(value)}`), 'ERR_INVALID_ARG_TYPE');
}

export function outOfRange(name: string, range: string, value: unknown): RangeError {
  return nodeError(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${describeNumber(value)}`),
    'ERR_OUT_OF_RANGE',
  );
}

/** ERR_INVALID_THIS: a Web Crypto method called on something that is not this realm's `crypto`. */
export function invalidThis(type: string): TypeError {
  return nodeError(new TypeError(`Value of "this" must be of type ${type}`), 'ERR_INVALID_THIS');
}

/** ERR_MISSING_ARGS, worded as Web IDL's required-argument check words it. */
export function missingArgs(method: string, owner: string, required: number, present: number): TypeError {
  const noun = required === 1 ? 'argument' : 'arguments';
  return nodeError(
    new TypeError(`Failed to execute '${method}' on '${owner}': ${required} ${noun} required, but only ${present} present.`),
    'ERR_MISSING_ARGS',
  );
}

export function typeMismatch(message: string): DOMException {
  return new DOMException(message, 'TypeMismatchError');
}

export function quotaExceeded(message: string): DOMException {
  return new DOMException(message, 'QuotaExceededError');
}

/**
 * ERR_BUFFER_DETACHED: an asynchronous fill lost its buffer between steps (transferred,
 * detached or shrunk by other code). The bytes already written stay; the rest never were.
 */
export function lostBuffer(written: number, length: number, cause?: unknown): GetrandomError {
  return new GetrandomError(
    'ERR_BUFFER_DETACHED',
    `randomFill: the buffer was detached, transferred or shrunk after ${written} of ${length} bytes were filled; its contents are not random. Do not transfer or resize a buffer until randomFill calls back`,
    { cause },
  );
}
