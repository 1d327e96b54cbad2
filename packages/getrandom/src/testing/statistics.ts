// Statistical checks of random output, for tests: chi-square goodness of fit over integer
// buckets and per-bit balance. Each check returns a p-value and judges it against one fixed
// significance level, so a correct generator fails a given check with probability ALPHA.
//
// Abbreviations: n = number of samples, df = degrees of freedom, p = p-value.

/**
 * The significance level of every check: a correct generator fails one check with
 * probability 1e-8. The whole suite makes fewer than 100 checks, so a correct
 * implementation fails a run of `npm test` less than once in 10^6 runs (union bound).
 */
export const ALPHA = 1e-8;

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = coefficients[0]!;
  for (let index = 1; index < coefficients.length; index += 1) sum += coefficients[index]! / (shifted + index);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function. */
export function upperGammaRegularized(a: number, x: number): number {
  if (x <= 0) return 1;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x); Q = 1 - P.
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 100_000; k += 1) {
      term *= x / (a + k);
      sum += term;
      if (term < sum * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  // Continued fraction for Q(a, x), evaluated with the modified Lentz method.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i += 1) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, Math.exp(logPrefix) * h);
}

/** P(X ≥ statistic) for X chi-square distributed with `df` degrees of freedom. */
export function chiSquarePValue(statistic: number, df: number): number {
  return upperGammaRegularized(df / 2, statistic / 2);
}

/** P(|Z| ≥ z) for a standard normal Z. */
export function normalTwoSidedPValue(z: number): number {
  return upperGammaRegularized(0.5, (z * z) / 2);
}

/** The verdict of one check. */
export interface Verdict {
  readonly p: number;
  readonly passed: boolean;
  /** What was measured, for a failure message. */
  readonly detail: string;
}

function verdict(p: number, detail: string): Verdict {
  return { p, passed: p >= ALPHA, detail: `${detail}; p = ${p.toExponential(3)}, alpha = ${ALPHA}` };
}

/**
 * Chi-square test that `samples` are uniform integers in [min, max) (max exclusive, as
 * randomInt), over `buckets` contiguous buckets of (nearly) equal width. Bucket b holds the
 * values x with b·range ≤ (x − min)·buckets < (b + 1)·range, and its expected count is exact.
 * A value outside [min, max) or not an integer fails the check outright.
 */
export function uniformIntegers(samples: ArrayLike<number>, min: number, max: number, buckets: number): Verdict & { readonly counts: number[] } {
  const range = BigInt(max) - BigInt(min);
  const bucketCount = BigInt(buckets);
  const counts = new Array<number>(buckets).fill(0);
  const small = max - min <= 2 ** 21 && buckets <= 2 ** 21;
  for (let index = 0; index < samples.length; index += 1) {
    const value = samples[index]!;
    if (!Number.isSafeInteger(value) || value < min || value >= max) {
      return { p: 0, passed: false, detail: `sample ${index} is ${value}, outside [${min}, ${max})`, counts };
    }
    const bucket = small ? Math.floor(((value - min) * buckets) / (max - min)) : Number(((BigInt(value) - BigInt(min)) * bucketCount) / range);
    counts[bucket]! += 1;
  }
  // ceil(b·range / buckets): the first value offset of bucket b.
  const edge = (b: bigint) => (b * range + bucketCount - 1n) / bucketCount;
  let statistic = 0;
  let worst = 0;
  let worstDeviation = -1;
  for (let b = 0; b < buckets; b += 1) {
    const width = edge(BigInt(b + 1)) - edge(BigInt(b));
    const expected = (Number(width) / Number(range)) * samples.length;
    const deviation = (counts[b]! - expected) ** 2 / expected;
    statistic += deviation;
    if (deviation > worstDeviation) {
      worst = b;
      worstDeviation = deviation;
    }
  }
  return { ...verdict(chiSquarePValue(statistic, buckets - 1), `chi-square ${statistic.toFixed(1)} over ${buckets} buckets of [${min}, ${max}), n = ${samples.length}, worst bucket ${worst}`), counts };
}

/**
 * Bit balance over byte strings of equal length: every bit position (skipping `fixedBits`,
 * given as [byteIndex, mask] pairs) must be 1 in half the samples. Two statistics, each
 * at ALPHA / 2: the largest |z| over positions (Bonferroni over positions) catches one bad
 * bit, the sum of z² (chi-square with one df a position) catches a small bias spread over many.
 */
export function bitBalance(samples: readonly Uint8Array[], fixedBits: ReadonlyArray<readonly [number, number]> = []): Verdict {
  if (samples.length === 0) return { p: 0, passed: false, detail: 'no samples' };
  const length = samples[0]!.length;
  const ones = new Float64Array(length * 8);
  for (const sample of samples) {
    if (sample.length !== length) return { p: 0, passed: false, detail: `sample of ${sample.length} bytes among ${length}-byte samples` };
    for (let byte = 0; byte < length; byte += 1) {
      const value = sample[byte]!;
      if (value === 0) continue;
      for (let bit = 0; bit < 8; bit += 1) ones[byte * 8 + bit]! += (value >> bit) & 1;
    }
  }
  const fixed = new Uint8Array(length);
  for (const [byte, mask] of fixedBits) fixed[byte]! |= mask;
  const n = samples.length;
  let positions = 0;
  let sumOfSquares = 0;
  let largest = 0;
  let largestAt = -1;
  for (let position = 0; position < length * 8; position += 1) {
    if ((fixed[position >> 3]! >> (position & 7)) & 1) continue;
    const z = (ones[position]! - n / 2) / Math.sqrt(n / 4);
    positions += 1;
    sumOfSquares += z * z;
    if (Math.abs(z) > Math.abs(largest)) {
      largest = z;
      largestAt = position;
    }
  }
  const pLargest = Math.min(1, positions * normalTwoSidedPValue(largest));
  const pSum = chiSquarePValue(sumOfSquares, positions);
  const p = Math.min(1, 2 * Math.min(pLargest, pSum));
  return verdict(p, `${positions} bit positions over n = ${n}: largest |z| ${Math.abs(largest).toFixed(2)} at byte ${largestAt >> 3} bit ${largestAt & 7}, sum z² ${sumOfSquares.toFixed(1)}`);
}
