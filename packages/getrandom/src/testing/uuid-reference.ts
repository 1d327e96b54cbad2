// For tests: the RFC 9562 version 4 text of 16 bytes, built unlike the package builds it
// (hex of the whole, then dashes), so that the two can be compared.

export function rfcUuid(bytes: Uint8Array): string {
  const copy = Buffer.from(bytes.subarray(0, 16));
  copy[6] = (copy[6]! & 0x0f) | 0x40;
  copy[8] = (copy[8]! & 0x3f) | 0x80;
  const hex = copy.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
