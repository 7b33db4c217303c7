import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { WorkshopError } from '../errors';
import { queryAll, type ReadResult } from '../reads';
import type { TenantKeys } from './keys';

/**
 * Reading a tenant-prefixed GSI safely. `dynamodb:LeadingKeys` is the TABLE's partition key on every write (and the
 * index's partition key on an index Query): IAM never looks at the GSI key an item carries. So a tenant may put its
 * OWN item (`PK = TENANT#acme#…`, allowed) carrying ANOTHER tenant's GSI key (`GSI1PK = TENANT#globex#…`), and the
 * item appears in globex's index Query. The guard is two-sided:
 * - on write, GSI keys come from the tenant's key builders (`keys.orderStatusKeys`) and `keys.guard(item)` refuses a
 *   foreign GSI1PK before the request is sent;
 * - on read, an index Query keeps only the items whose TABLE partition key is the reader's own: `PK` cannot be forged
 *   (LeadingKeys enforces it on every write), so it says who wrote the item.
 */

/** The table's partition key attribute and the tenant GSI's partition key attribute. */
const TABLE_PK = 'PK';
const INDEX_PK = 'GSI1PK';

export interface TenantIndexQuery {
  tableName: string;
  indexName: string;
  /** The index partition key to read, built by the reader's key builders (e.g. keys.statusGsiPk('PENDING')). */
  gsiPk: string;
}

/**
 * The Query input of a guarded index read (pure): the key condition on the reader's own GSI partition key, and a
 * FilterExpression `begins_with(PK, :own)` that drops every item another tenant wrote into it. The filter runs after
 * the read, so foreign items still consume read capacity (and count against `Limit`).
 */
export function tenantIndexQueryInput(keys: TenantKeys, q: TenantIndexQuery): QueryCommandInput {
  return {
    TableName: q.tableName,
    IndexName: q.indexName,
    KeyConditionExpression: `${INDEX_PK} = :gpk`,
    FilterExpression: `begins_with(${TABLE_PK}, :own)`,
    ExpressionAttributeValues: { ':gpk': keys.guard(q.gsiPk), ':own': keys.prefix },
  };
}

/** The items whose table partition key is not the tenant's: what another tenant planted in its index. */
export function foreignItems<T extends Record<string, unknown>>(keys: TenantKeys, items: readonly T[]): T[] {
  return items.filter((i) => typeof i[TABLE_PK] !== 'string' || !keys.owns(i[TABLE_PK] as string));
}

/**
 * A guarded index Query (every page): the filter above, then a check in the reader itself — an item of another
 * tenant in the answer is a WorkshopError, never data.
 */
export async function queryTenantIndex(doc: DynamoDBDocumentClient, keys: TenantKeys, q: TenantIndexQuery): Promise<ReadResult> {
  const out = await queryAll(doc, tenantIndexQueryInput(keys, q));
  const foreign = foreignItems(keys, out.items);
  if (foreign.length > 0) {
    throw new WorkshopError(
      'TENANT_KEY_FOREIGN',
      `${foreign.length} item(s) of ${q.indexName} under ${q.gsiPk} have a PK outside ${keys.prefix} ` +
        `(first: ${JSON.stringify(foreign[0][TABLE_PK])}): the filter did not apply.`,
      'read a tenant index with mt.tenantIndexQueryInput (FilterExpression begins_with(PK, :own))',
    );
  }
  return out;
}

/**
 * An index Query (every page) read again until `seen` holds, at most `attempts` times `delayMs` apart. A GSI is
 * eventually consistent on AWS: an item written a moment ago may not be in its index yet (usually well under a
 * second), so a lesson that writes and then shows the index waits for it rather than show an empty answer.
 * DynamoDB Local updates its indexes with the write: the first read sees it.
 */
export async function queryIndexUntil(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
  seen: (items: Record<string, unknown>[]) => boolean,
  o: { attempts?: number; delayMs?: number } = {},
): Promise<ReadResult & { attempts: number }> {
  const attempts = Math.max(1, o.attempts ?? 10);
  for (let attempt = 1; ; attempt++) {
    const out = await queryAll(doc, input);
    if (seen(out.items) || attempt >= attempts) return { ...out, attempts: attempt };
    await sleep(o.delayMs ?? 200);
  }
}
