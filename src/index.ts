// What notebooks import: `import * as ws from './workshop/index'` (notebooks/workshop is a link to dist/, which
// tools/setup.sh compiles from src/; declaration maps send "go to definition" from dist/*.d.ts back to src/).
// Only the names the notebooks call through `ws.`, each from the file an attendee should open. Everything else is
// internal to its module; a cell that needs more imports that module (`./workshop/observe/charts`,
// `./workshop/multitenancy`, `./workshop/cleanup` …).

// Set-up: configuration, clients, who am I, errors.
export { loadConfig, type WorkshopConfig } from './config';
export { createClients, type WorkshopClients } from './client';
export { maskAccount, whoAmI } from './identity';
export { explainError, WorkshopError } from './errors';
export type { Item } from './types';

// The table and its index.
export { describeTable, ensureGsi, ensureTable, waitActive, workshopTableInput } from './table';
export { withControlPlaneRetry } from './control-plane';

// Keys of the single-table design (section 1, 2).
export { GSI1, ORDER_PREFIX, orderKey, orderSk, orderStatusKeys, profileKey, profileSk, statusGsiPk, userPk } from './keys';

// Writes and reads.
export { batchWriteAll } from './batch';
export { queryAll, scanAll } from './reads';
export { itemSizeBytes } from './model/capacity';

// Hot partitions (section 3): shards, time buckets, fan-out reads, a write workload, throttling on the local target.
export {
  allShardPks,
  hashShard,
  hourBucket,
  min5Bucket,
  randomShard,
  ShardMap,
  shardedPk,
  shardSuffix,
  timeBuckets,
} from './sharding';
export {
  describeFanOutLatency,
  type FanOutLatency,
  fanOutLatencyRows,
  fanOutQuery,
  measureFanOutLatency,
} from './fanout';
export { eventSk, runWriteWorkload, type WorkloadResult } from './workload';
export { createRng } from './random';
export { emulateThrottling } from './local/emulator';

// Checkpoints, and tables as one HTML + text output (console.table's box breaks once wider than the notebook column).
export { checkpoint } from './exercises';
export { showTable } from './display';

// The instructor's room (notebooks/instructor/room.ipynb) and the section-finished event each notebook ends with.
export {
  ROOM_TABLE_DEFAULT,
  readRoom,
  roomCost,
  roomCostLine,
  roomDisplay,
  roomPolicy,
  roomSettings,
  sectionFinished,
  watchRoom,
} from './room/room';
export { LOCAL_ACCOUNT_ID, tableArn } from './tenancy/policy';
