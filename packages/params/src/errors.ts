// The one error class of @vgetrandom/params. Discovery itself never throws: an
// unsupported host is an outcome. Errors are for misuse of the pure decoder.

export type ParamsErrorCode = 'ERR_PARAMS_TRUNCATED';

/** Misuse of the pure decoder, with a stable `code`. */
export class ParamsError extends Error {
  override readonly name = 'ParamsError';
  readonly code: ParamsErrorCode;

  constructor(code: ParamsErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
