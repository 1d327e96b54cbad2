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
