// Native addresses are BigInts (koffi 3 passes pointers as BigInt). The brand keeps
// an address from being mixed up with a length or a count.

/** A native address. Create one with `toAddress`. */
export type Address = bigint & { readonly __brand: 'Address' };

/** Brands a non-negative BigInt or safe integer as an Address. */
export function toAddress(value: bigint | number): Address {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  if (big < 0n) throw new RangeError(`an address cannot be negative (got ${big})`);
  return big as Address;
}

export const NULL_ADDRESS = 0n as Address;
