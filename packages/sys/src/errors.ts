// The one error class of @vgetrandom/sys. A failed libc call carries the errno
// name as `code` (EINVAL, EPERM, ...); problems of our own use ERR_* codes.
import { constants } from 'node:os';

/** An errno name, or one of our own codes. */
export type SysErrorCode =
  | 'ERR_UNSUPPORTED_PLATFORM'
  | 'ERR_NATIVE_UNAVAILABLE'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_THREAD_TERMINATING'
  | 'ERR_UNGUARDED_THREAD'
  | 'ERR_NATIVE_BUSY'
  | 'ERR_LIBRARY_UNAVAILABLE'
  | 'ERR_SYMBOL_MISSING'
  | string;

/** A failed libc call (`code` = errno name) or a host that cannot make native calls. */
export class SysError extends Error {
  override readonly name = 'SysError';
  /** An errno name such as `'EINVAL'`, or one of our `ERR_*` codes. */
  readonly code: SysErrorCode;
  /** The positive errno value, when a libc call failed. */
  readonly errno: number | undefined;
  /** The libc function (or syscall) that failed. */
  readonly call: string;

  constructor(
    code: SysErrorCode,
    call: string,
    message: string,
    options: { errno?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.call = call;
    this.errno = options.errno;
  }
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // EWOULDBLOCK and EDEADLOCK alias EAGAIN and EDEADLK; keep the first, canonical name.
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** The symbolic name of a positive errno value (`22` → `'EINVAL'`), or `'E<n>'` if unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** The numeric value of an errno name on this host (`'EINVAL'` → 22), or undefined. */
export function errnoValue(name: string): number | undefined {
  return (constants.errno as Record<string, number>)[name];
}

/** A SysError for a libc call that failed with `errno`. */
export function errnoError(call: string, errno: number, what = ''): SysError {
  const code = errnoName(errno);
  const detail = what === '' ? '' : ` (${what})`;
  return new SysError(code, call, `${call}() failed with ${code}${detail}`, { errno });
}
