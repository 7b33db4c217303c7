import { WorkshopError } from './errors';

/**
 * Key builders for the single-table layout. Notebooks never concatenate key strings by hand: the shapes
 * live here once, so a typo cannot split an item collection.
 */

export type Ymd = string; // yyyymmdd, e.g. "20250927": sorts lexicographically in time order

export const SEP = '#';

/** Why a key part containing the separator is refused: plain keys say "ambiguous", tenant keys "injection". */
export interface SeparatorRefusal {
  code: 'KEY_PART_SEPARATOR' | 'TENANT_KEY_INJECTION';
  problem: (label: string, value: string) => string;
  fix: string;
}

const AMBIGUOUS: SeparatorRefusal = {
  code: 'KEY_PART_SEPARATOR',
  problem: (label, value) => `${label} "${value}" contains "#", the separator of composite keys; it would make keys ambiguous.`,
  fix: 'use an id without "#"',
};

/** One part of a composite key: a non-empty string without the separator (the one check every key builder uses). */
export function keyPart(label: string, value: string, refusal: SeparatorRefusal = AMBIGUOUS): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new WorkshopError('KEY_PART_EMPTY', `${label} must be a non-empty string.`, `pass e.g. ${label}="u123"`);
  }
  if (value.includes(SEP)) throw new WorkshopError(refusal.code, refusal.problem(label, value), refusal.fix);
  return value;
}

const part = (label: string, value: string): string => keyPart(label, value);

export function ymd(value: Ymd | Date): Ymd {
  if (value instanceof Date) {
    return value.toISOString().slice(0, 10).replace(/-/g, '');
  }
  if (!/^\d{8}$/.test(value)) {
    throw new WorkshopError('KEY_DATE', `Date "${value}" is not yyyymmdd.`, 'pass e.g. "20250927"');
  }
  return value;
}

export const userPk = (userId: string): string => `USER${SEP}${part('userId', userId)}`;
export const profileSk = (userId: string): string => `PROFILE${SEP}${part('userId', userId)}`;
export const orderSk = (date: Ymd | Date, orderId: string): string => `ORDER${SEP}${ymd(date)}${SEP}${part('orderId', orderId)}`;
export const ORDER_PREFIX = `ORDER${SEP}`;
export const PROFILE_PREFIX = `PROFILE${SEP}`;

/** GSI1: orders by status across users (sparse: only items that carry a status get these attributes). */
export const statusGsiPk = (status: string): string => `STATUS${SEP}${part('status', status)}`;
export const statusGsiSk = (date: Ymd | Date, orderId: string): string => `${ymd(date)}${SEP}${part('orderId', orderId)}`;

export interface Key {
  PK: string;
  SK: string;
}

export const profileKey = (userId: string): Key => ({ PK: userPk(userId), SK: profileSk(userId) });
export const orderKey = (userId: string, date: Ymd | Date, orderId: string): Key => ({
  PK: userPk(userId),
  SK: orderSk(date, orderId),
});

/** Splits a composite key back into its parts: "ORDER#20250927#o1" -> ["ORDER", "20250927", "o1"]. */
export const keyParts = (key: string): string[] => key.split(SEP);

export const GSI1 = 'GSI1_Status';

/** The GSI1 attributes of an order: present only on orders, which is what makes GSI1 sparse. */
export const orderStatusKeys = (status: string, date: Ymd | Date, orderId: string): { GSI1PK: string; GSI1SK: string } => ({
  GSI1PK: statusGsiPk(status),
  GSI1SK: statusGsiSk(date, orderId),
});
