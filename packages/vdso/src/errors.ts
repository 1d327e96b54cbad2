// The one error class of @vgetrandom/vdso: anything wrong with an ELF image.

export type VdsoParseErrorCode =
  | 'ERR_VDSO_TRUNCATED'
  | 'ERR_VDSO_BAD_MAGIC'
  | 'ERR_VDSO_BAD_CLASS'
  | 'ERR_VDSO_BAD_ENCODING'
  | 'ERR_VDSO_BAD_HEADER'
  | 'ERR_VDSO_NO_LOAD'
  | 'ERR_VDSO_NO_DYNAMIC'
  | 'ERR_VDSO_NO_SYMTAB'
  | 'ERR_VDSO_NO_HASH'
  | 'ERR_VDSO_BAD_HASH'
  | 'ERR_VDSO_BAD_ADDRESS'
  | 'ERR_VDSO_BAD_STRING'
  | 'ERR_VDSO_BAD_VERSION';

/** Thrown for a truncated, corrupted or hostile ELF image; `offset` is where it went wrong. */
export class VdsoParseError extends Error {
  override readonly name = 'VdsoParseError';
  readonly code: VdsoParseErrorCode;
  /** Byte offset in the image at which the problem was found. */
  readonly offset: number;

  constructor(code: VdsoParseErrorCode, offset: number, message: string) {
    super(`${message} (at offset ${offset})`);
    this.code = code;
    this.offset = offset;
  }
}

/** Thrown for an options object the package cannot use: an unknown field, or a bad value. */
export class VdsoOptionError extends TypeError {
  override readonly name = 'VdsoOptionError';
  readonly code = 'ERR_VDSO_INVALID_OPTION';
  /** The field at fault, as `lookup options.rule`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

/**
 * Refuses anything but a plain object whose own fields are among `known` (undefined counts
 * as absent): a misspelt field would otherwise be ignored without a word.
 */
export function checkOptionFields(options: unknown, where: string, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new VdsoOptionError(where, `must be an object with any of ${known.join(', ')} (got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options})`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new VdsoOptionError(`${where}.${key}`, `unknown option; the known ones are ${known.join(', ')}`);
  }
  return options as Record<string, unknown>;
}
