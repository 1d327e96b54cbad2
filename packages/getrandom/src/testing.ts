// @vgetrandom/getrandom/testing: the statistical checks our own tests and fuzzer judge
// random output with (chi-square over integer buckets, per-bit balance), for yours.
export { ALPHA, type Verdict, bitBalance, chiSquarePValue, normalTwoSidedPValue, uniformIntegers } from './testing/statistics.js';
