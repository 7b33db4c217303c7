import { WorkshopError } from '../errors';
import { type Key, keyPart, SEP, type SeparatorRefusal, type Ymd, ymd } from '../keys';

/**
 * Tenant-aware keys for the pooled model: every tenant's items live in one shared table, and every partition key
 * starts with `TENANT#<tenantId>#`. That prefix is what the IAM policy matches (`dynamodb:LeadingKeys`), so a key
 * builder bound to a tenant must never produce anything else: it refuses ids that could forge another prefix, and
 * its guard refuses keys that belong to someone else.
 */

/** The shared multi-tenant table (the guide's "shared multitenant table"); override with WORKSHOP_SHARED_TABLE. */
export const DEFAULT_SHARED_TABLE = 'ws-shared';
/** Its GSI: partition key GSI1PK = TENANT#<tid>#STATUS#<status>, so the index is tenant-prefixed too. */
export const TENANT_GSI = 'GSI1_TenantStatus';
export const TENANT_PREFIX = 'TENANT#';

// Letters, digits, _ and -: safe inside a key (no "#"), an IAM tag value, an STS session name, and an IAM
// StringLike pattern (no "*" or "?", which would otherwise read as wildcards after variable substitution).
const TENANT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

export function validateTenantId(tenantId: string): string {
  if (typeof tenantId !== 'string' || !TENANT_ID_RE.test(tenantId)) {
    throw new WorkshopError(
      'TENANT_ID_INVALID',
      `Tenant id ${JSON.stringify(tenantId)} is not valid: use 1-48 letters, digits, "_" or "-" (no "#", "*", "?", spaces).`,
      'pick an id such as "acme" or "tenant-042"',
    );
  }
  return tenantId;
}

/** The shared table's name: WORKSHOP_SHARED_TABLE, else ws-shared. */
export function sharedTableName(env: Record<string, string | undefined> = process.env): string {
  const name = (env.WORKSHOP_SHARED_TABLE ?? '').trim();
  return name || DEFAULT_SHARED_TABLE;
}

/** `TENANT#acme#` — the prefix of every partition key that belongs to tenant acme. */
export function tenantPrefix(tenantId: string): string {
  return `${TENANT_PREFIX}${validateTenantId(tenantId)}${SEP}`;
}

/** The label of keys that belong to no tenant, wherever usage is counted per tenant (recorder, workload). */
export const NO_TENANT = '(no tenant)';

/** The tenant a partition key belongs to (`TENANT#acme#USER#u1` → `acme`), or undefined for shared/other keys. */
export function tenantOfKey(partitionKey: string): string | undefined {
  if (typeof partitionKey !== 'string' || !partitionKey.startsWith(TENANT_PREFIX)) return undefined;
  const rest = partitionKey.slice(TENANT_PREFIX.length);
  const end = rest.indexOf(SEP);
  const id = end < 0 ? rest : rest.slice(0, end);
  return TENANT_ID_RE.test(id) && end > 0 ? id : undefined;
}

const INJECTION: SeparatorRefusal = {
  code: 'TENANT_KEY_INJECTION',
  problem: (label, value) =>
    `${label} ${JSON.stringify(value)} contains "#": a tenant key builder refuses it, because "#" is the separator ` +
    "and a crafted id could smuggle another key shape (or another tenant's prefix) into the key.",
  fix: 'use ids without "#"',
};

const part = (label: string, value: string): string => keyPart(label, value, INJECTION);

/** Key attributes that carry a partition key of the shared table or its GSI. */
const PARTITION_ATTRIBUTES = ['PK', 'GSI1PK'];

export interface TenantKeys {
  readonly tenantId: string;
  /** `TENANT#<tid>#` */
  readonly prefix: string;
  /** `TENANT#<tid>#<A>#<B>…` from parts without "#": the one way to make a partition key of this tenant. */
  pk(...parts: string[]): string;
  /** `TENANT#<tid>#USER#<userId>` */
  userPk(userId: string): string;
  /** Profile item key: PK = userPk, SK = PROFILE#<userId>. */
  profileKey(userId: string): Key;
  /** Order item key: PK = userPk, SK = ORDER#<yyyymmdd>#<orderId>. */
  orderKey(userId: string, date: Ymd | Date, orderId: string): Key;
  /** GSI1 partition key: `TENANT#<tid>#STATUS#<status>` (tenant-prefixed, so the index is tenant-scoped as well). */
  statusGsiPk(status: string): string;
  /** The GSI1 attributes of an order. */
  orderStatusKeys(status: string, date: Ymd | Date, orderId: string): { GSI1PK: string; GSI1SK: string };
  /** `TENANT#<tid>#EVENTS`: where this tenant's event stream is written (sharded with ws.shardedPk when hot). */
  eventsPk(): string;
  /** True when the partition key belongs to this tenant. */
  owns(partitionKey: string): boolean;
  /**
   * Returns the key (or item) unchanged when every partition key in it (PK, GSI1PK) belongs to this tenant;
   * throws a WorkshopError otherwise. Put it in front of anything that takes a key from outside.
   */
  guard<T extends string | object>(keyOrItem: T): T;
}

/** Key builders bound to one tenant: they cannot build, and their guard does not accept, another tenant's keys. */
export function tenantKeys(tenantId: string): TenantKeys {
  const tid = validateTenantId(tenantId);
  const prefix = tenantPrefix(tid);
  const pk = (...parts: string[]): string => {
    if (parts.length === 0)
      throw new WorkshopError('KEY_PART_EMPTY', 'pk() needs at least one part.', 'e.g. keys.pk("USER", "u1")');
    return prefix + parts.map((p, i) => part(`part ${i + 1}`, p)).join(SEP);
  };
  const owns = (partitionKey: string): boolean => typeof partitionKey === 'string' && partitionKey.startsWith(prefix);
  const refuse = (value: string, attr: string): never => {
    const other = tenantOfKey(value);
    throw new WorkshopError(
      'TENANT_KEY_FOREIGN',
      `${attr} ${JSON.stringify(value)} ${other ? `belongs to tenant "${other}"` : 'is not a tenant key'}, not to "${tid}": ` +
        `keys of tenant ${tid} start with ${prefix}.`,
      `build keys with ws.tenantKeys('${tid}'), never from input you did not build`,
    );
  };
  const keys: TenantKeys = {
    tenantId: tid,
    prefix,
    pk,
    userPk: (userId) => pk('USER', part('userId', userId)),
    profileKey: (userId) => ({ PK: pk('USER', part('userId', userId)), SK: `PROFILE${SEP}${userId}` }),
    orderKey: (userId, date, orderId) => ({
      PK: pk('USER', part('userId', userId)),
      SK: `ORDER${SEP}${ymd(date)}${SEP}${part('orderId', orderId)}`,
    }),
    statusGsiPk: (status) => pk('STATUS', part('status', status)),
    orderStatusKeys: (status, date, orderId) => ({
      GSI1PK: pk('STATUS', part('status', status)),
      GSI1SK: `${ymd(date)}${SEP}${part('orderId', orderId)}`,
    }),
    eventsPk: () => pk('EVENTS'),
    owns,
    guard: <T extends string | object>(keyOrItem: T): T => {
      if (typeof keyOrItem === 'string') {
        if (!owns(keyOrItem)) refuse(keyOrItem, 'Key');
        return keyOrItem;
      }
      if (!keyOrItem || typeof keyOrItem !== 'object' || typeof (keyOrItem as Record<string, unknown>).PK !== 'string') {
        throw new WorkshopError(
          'TENANT_KEY_FOREIGN',
          `Not a key: ${JSON.stringify(keyOrItem)} has no string PK.`,
          `build keys with ws.tenantKeys('${tid}')`,
        );
      }
      for (const attr of PARTITION_ATTRIBUTES) {
        const v = (keyOrItem as Record<string, unknown>)[attr];
        if (v === undefined) continue;
        if (typeof v !== 'string' || !owns(v)) refuse(String(v), attr);
      }
      return keyOrItem;
    },
  };
  return keys;
}

/** One tenant's share of a workload: what a per-tenant bill or a noisy-neighbour alarm is computed from. */
export interface TenantUsage {
  tenant: string;
  partitionKeys: number;
  written: number;
  throttled: number;
  /** Capacity units consumed (present when the rows carry units, e.g. the emulator's keyStats()). */
  units?: number;
}

/** Rows keyed by partition key: a workload's perKey, or the throttling emulator's keyStats(). */
export interface KeyUsageRow {
  partitionKey: string;
  written?: number;
  ok?: number;
  throttled: number;
  units?: number;
  index?: string;
}

/**
 * Groups per-key numbers by the tenant in the key's prefix (`TENANT#<tid>#…`); keys without a tenant prefix are
 * reported as NO_TENANT, the label the metrics recorder uses. GSI rows (index set) are left out: the same write is already counted on the table.
 */
export function tenantUsage(rows: readonly KeyUsageRow[]): TenantUsage[] {
  const m = new Map<
    string,
    { tenant: string; keys: Set<string>; written: number; throttled: number; units: number; hasUnits: boolean }
  >();
  for (const r of rows) {
    if (r.index !== undefined) continue;
    const tenant = tenantOfKey(r.partitionKey) ?? NO_TENANT;
    let s = m.get(tenant);
    if (!s) m.set(tenant, (s = { tenant, keys: new Set(), written: 0, throttled: 0, units: 0, hasUnits: false }));
    s.keys.add(r.partitionKey);
    s.written += r.written ?? r.ok ?? 0;
    s.throttled += r.throttled;
    if (r.units !== undefined) {
      s.units += r.units;
      s.hasUnits = true;
    }
  }
  return Array.from(m.values())
    .map((s) => {
      const u: TenantUsage = { tenant: s.tenant, partitionKeys: s.keys.size, written: s.written, throttled: s.throttled };
      if (s.hasUnits) u.units = Math.round(s.units * 10) / 10;
      return u;
    })
    .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}
