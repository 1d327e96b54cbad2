// @vgetrandom/getrandom/register: import it first, in the thread that starts workers, so that
// every worker started from there can use the vDSO:
//
//   node --import @vgetrandom/getrandom/register app.js
//   NODE_OPTIONS='--import @vgetrandom/getrandom/register' npx vitest
//   vitest.config: test: { globalSetup: ['@vgetrandom/getrandom/register'] }
//
// Importing the package does the same; this entry exists for --import, where a test runner or
// a worker pool (vitest, piscina, tinypool) starts workers from a main thread that never
// imports the package itself. It installs the termination guard for this thread (decision
// 0010: workers started from a thread that had not imported the package never load koffi)
// and publishes the process-wide pool of states to the workers started from here. It makes
// no native call and chooses no backend.
export { backendInfo } from './index.js';

/** A no-op, so that this module is also a valid vitest `globalSetup` file (which must export one). */
export default function setup(): void {}
