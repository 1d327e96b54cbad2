// @vgetrandom/params: ask the kernel how to allocate vgetrandom states, and explain
// the answer. The decoder is pure; discoverParams() is the live query.
export {
  type InvalidParamsCheck,
  OPAQUE_PARAMS_SIZE,
  type OpaqueParams,
  type ParamsValidation,
  decodeOpaqueParams,
  describeMapFlags,
  describeProt,
  validateOpaqueParams,
} from './decode.js';
export {
  type DiscoveryEnvironment,
  type ParamsDiscovery,
  type ParamsUnsupported,
  type UnsupportedReason,
  VGETRANDOM_PROTOTYPE,
  type VgetrandomBinding,
  type VgetrandomFunction,
  discoverParams,
} from './discover.js';
export { ParamsError, type ParamsErrorCode } from './errors.js';
