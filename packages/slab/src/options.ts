// Options objects are checked field by field: a misspelt or missing field is refused with
// ERR_SLAB_INVALID_OPTION naming it, never silently ignored or read as undefined (a `host`
// of { cacheLineSize: 64, cpus: 2 } once gave alignment 1 and one CPU without a word).
import { SlabError } from './errors.js';

export interface FieldRules {
  /** Fields that must be present and not undefined. */
  readonly required: readonly string[];
  /** Fields that may be present (default none). */
  readonly optional?: readonly string[];
  /** Whether fields outside both lists are refused (default true; false for objects, such as a PageSource, that carry more). */
  readonly closed?: boolean;
}

/** The fields of `value`, refused unless it is an object with every required field and, when closed, no unknown one. */
export function checkFields(value: unknown, where: string, rules: FieldRules): Record<string, unknown> {
  const known = [...rules.required, ...(rules.optional ?? [])];
  if (value === null || typeof value !== 'object') {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `${where} must be an object with ${known.join(', ')} (got ${value === null ? 'null' : typeof value})`);
  }
  const fields = value as Record<string, unknown>;
  for (const field of rules.required) {
    if (fields[field] === undefined) throw new SlabError('ERR_SLAB_INVALID_OPTION', `${where}.${field} is missing: ${where} needs ${rules.required.join(', ')}`);
  }
  if (rules.closed !== false) {
    for (const field of Object.keys(fields)) {
      if (!known.includes(field)) {
        throw new SlabError('ERR_SLAB_INVALID_OPTION', `${where}.${field} is not an option; the options are ${known.join(', ')}`);
      }
    }
  }
  return fields;
}

/** A field that must be a number (finite), named in the error. */
export function numberField(fields: Record<string, unknown>, where: string, field: string): void {
  const value = fields[field];
  // Number.isFinite takes no string or BigInt for a number: it is false for anything else.
  if (value !== undefined && !Number.isFinite(value)) {
    throw new SlabError('ERR_SLAB_INVALID_OPTION', `${where}.${field} must be a number (got ${typeof value === 'string' ? `'${value}'` : String(value)})`);
  }
}

export const SLAB_OPTION_FIELDS = {
  required: ['stateSize', 'source'],
  optional: ['pageSize', 'alignment', 'policy', 'cpus', 'maxChunkPages', 'reclaim', 'maxStates', 'order', 'hooks'],
} as const satisfies FieldRules;

/** What a PageSource must have; anything else it carries is its own business. */
export function checkPageSource(source: unknown, where: string): void {
  const fields = checkFields(source, where, { required: ['pageSize', 'cacheLineSize', 'cpus', 'map', 'unmap'], closed: false });
  for (const field of ['pageSize', 'cacheLineSize', 'cpus']) numberField(fields, where, field);
  for (const field of ['map', 'unmap']) {
    if (typeof fields[field] !== 'function') throw new SlabError('ERR_SLAB_INVALID_OPTION', `${where}.${field} must be a function (got ${typeof fields[field]})`);
  }
}
