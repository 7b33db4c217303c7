import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './reads';
import { mergeNewestFirst } from './sharding';
import type { Item } from './types';

export interface FanOutOptions {
  tableName: string;
  /** Every shard's partition key, e.g. allShardPks('USER#hotuser', 4). */
  partitionKeys: string[];
  /** Items wanted after the merge; each shard is asked for this many, since any one shard may hold them all. */
  limit?: number;
  /** An extra sort-key condition, e.g. { expression: 'begins_with(SK, :p)', values: { ':p': 'EVENT#' } }. */
  sortKeyCondition?: { expression: string; values: Record<string, unknown> };
  sortKey?: string;
  /** true (default): all shards at once (Promise.all); false: one after another, like the guide's loop. */
  parallel?: boolean;
  index?: string;
  partitionKeyAttribute?: string;
}

export interface ShardRead {
  partitionKey: string;
  items: number;
  pages: number;
  capacityUnits: number;
  ms: number;
}

export interface FanOutResult {
  items: Item[];
  shards: ShardRead[];
  capacityUnits: number;
  ms: number;
}

function shardQuery(o: FanOutOptions, pk: string): QueryCommandInput {
  const pkAttr = o.partitionKeyAttribute ?? 'PK';
  const cond = o.sortKeyCondition;
  return {
    TableName: o.tableName,
    IndexName: o.index,
    KeyConditionExpression: `#pk = :pk${cond ? ` AND ${cond.expression}` : ''}`,
    ExpressionAttributeNames: { '#pk': pkAttr },
    ExpressionAttributeValues: { ':pk': pk, ...(cond ? cond.values : {}) },
    ScanIndexForward: false,
    Limit: o.limit,
  };
}

/**
 * Reads a write-sharded item collection: one Query per shard (newest first, pagination followed), merged
 * newest first, with the limit applied after the merge.
 */
export async function fanOutQuery(doc: DynamoDBDocumentClient, o: FanOutOptions): Promise<FanOutResult> {
  const t0 = Date.now();
  const readShard = async (pk: string): Promise<{ read: ShardRead; items: Item[] }> => {
    const s = Date.now();
    const r = await queryAll(doc, shardQuery(o, pk), o.limit !== undefined ? { maxItems: o.limit } : {});
    return {
      items: r.items,
      read: { partitionKey: pk, items: r.items.length, pages: r.pages, capacityUnits: r.capacityUnits, ms: Date.now() - s },
    };
  };
  let results: { read: ShardRead; items: Item[] }[];
  if (o.parallel === false) {
    results = [];
    for (const pk of o.partitionKeys) results.push(await readShard(pk));
  } else {
    results = await Promise.all(o.partitionKeys.map(readShard));
  }
  const items = mergeNewestFirst(
    results.map((r) => r.items),
    o.sortKey ?? 'SK',
    o.limit,
  );
  return {
    items,
    shards: results.map((r) => r.read),
    capacityUnits: results.reduce((a, r) => a + r.read.capacityUnits, 0),
    ms: Date.now() - t0,
  };
}
