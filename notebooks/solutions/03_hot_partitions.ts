// Reference answer for 03_hot_partitions.ipynb's checkpoint. Try your own first!
import { allShardPks, hashShard, shardedPk } from '../workshop/sharding';

export interface DailyOrdersKeys {
  /** The partition key an order is written to. */
  writeKey(orderId: string): string;
  /** Every partition key a reader must query to see all of the day's orders. */
  readKeys(): string[];
}

const DAY = 'ORDERS#2025-09-28';
const SHARDS = 8;

// Hash of the order id, not random: a reader looking for one order knows its shard (one Query, not eight).
export const dailyOrdersKeys: DailyOrdersKeys = {
  writeKey: (orderId) => shardedPk(DAY, hashShard(orderId, SHARDS)),
  readKeys: () => allShardPks(DAY, SHARDS),
};
