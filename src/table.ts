import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTagsOfResourceCommand,
  type TableDescription,
  TagResourceCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { validateTableName } from './config';
import { WorkshopError, translateAwsError } from './errors';
import type { WorkshopClients } from './client';

export interface EnsureTableResult {
  tableName: string;
  created: boolean;
  status: string;
  arn?: string;
  /** "tagged" on AWS, "unsupported" on DynamoDB Local (it refuses TagResource), "already" if the tag was there. */
  ownerTag: 'tagged' | 'already' | 'unsupported';
  notes: string[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

export async function describeTable(ddb: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const out = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table;
  } catch (err) {
    if (errName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * Waits until the table and every GSI are ACTIVE. TableStatus alone is not enough: DynamoDB Local keeps the
 * table ACTIVE while a new GSI is CREATING, and writes during that window fail with a 500.
 */
export async function waitActive(
  ddb: DynamoDBClient,
  tableName: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<TableDescription> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let interval = options.intervalMs ?? 250;
  for (;;) {
    const t = await describeTable(ddb, tableName);
    if (t) {
      const gsisActive = (t.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
      if (t.TableStatus === 'ACTIVE' && gsisActive) return t;
    }
    if (Date.now() > deadline) {
      throw new WorkshopError(
        'TABLE_WAIT_TIMEOUT',
        `Table ${tableName} is not ACTIVE yet (status ${t?.TableStatus ?? 'missing'}).`,
        'wait a minute and re-run this cell; check the table in the DynamoDB console',
      );
    }
    await sleep(interval);
    interval = Math.min(interval * 2, 5_000);
  }
}

function checkKeySchema(t: TableDescription): void {
  const ks = (t.KeySchema ?? [])
    .map((k) => `${k.AttributeName}:${k.KeyType}`)
    .sort()
    .join(',');
  const types = new Map((t.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  if (ks !== 'PK:HASH,SK:RANGE' || types.get('PK') !== 'S' || types.get('SK') !== 'S') {
    throw new WorkshopError(
      'TABLE_SCHEMA',
      `Table ${t.TableName} exists but its key schema is ${ks || 'unknown'} (the workshop needs PK (S, HASH) + SK (S, RANGE)).`,
      'delete it (notebooks/06_cleanup.ipynb or scripts/delete_table.sh) and run 00_setup again',
    );
  }
}

/**
 * Creates the attendee's table (PK/SK strings, on-demand) if it is missing, waits until it is ACTIVE and tags it
 * Owner=<attendee>. Safe to run again: an existing table with the right schema is kept as it is.
 */
export async function ensureTable(
  clients: WorkshopClients,
  options: { tableName?: string; owner?: string } = {},
): Promise<EnsureTableResult> {
  const { ddb, config } = clients;
  const tableName = validateTableName(options.tableName ?? config.tableName);
  const owner = options.owner ?? config.attendeeId;
  const notes: string[] = [];
  let created = false;
  try {
    let t = await describeTable(ddb, tableName);
    if (!t) {
      try {
        await ddb.send(
          new CreateTableCommand({
            TableName: tableName,
            AttributeDefinitions: [
              { AttributeName: 'PK', AttributeType: 'S' },
              { AttributeName: 'SK', AttributeType: 'S' },
            ],
            KeySchema: [
              { AttributeName: 'PK', KeyType: 'HASH' },
              { AttributeName: 'SK', KeyType: 'RANGE' },
            ],
            BillingMode: 'PAY_PER_REQUEST',
            Tags: config.target === 'aws' ? [{ Key: 'Owner', Value: owner }] : undefined,
          }),
        );
        created = true;
      } catch (err) {
        // Another kernel created it between our Describe and Create: that is the state we wanted.
        if (errName(err) !== 'ResourceInUseException') throw err;
      }
    }
    t = await waitActive(ddb, tableName);
    checkKeySchema(t);
    const ownerTag = await ensureOwnerTag(ddb, t, owner, notes);
    return { tableName, created, status: t.TableStatus ?? 'UNKNOWN', arn: t.TableArn, ownerTag, notes };
  } catch (err) {
    throw translateAwsError(err, { ...config, tableName });
  }
}

async function ensureOwnerTag(
  ddb: DynamoDBClient,
  t: TableDescription,
  owner: string,
  notes: string[],
): Promise<EnsureTableResult['ownerTag']> {
  try {
    const tags = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn }));
    if ((tags.Tags ?? []).some((x) => x.Key === 'Owner' && x.Value === owner)) return 'already';
    await ddb.send(new TagResourceCommand({ ResourceArn: t.TableArn, Tags: [{ Key: 'Owner', Value: owner }] }));
    return 'tagged';
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/not currently supported in DynamoDB Local|not supported/i.test(msg)) {
      notes.push(
        'DynamoDB Local does not support tags ("Tagging is not currently supported in DynamoDB Local."): ' +
          `on AWS this table is tagged Owner=${owner}; locally cleanup relies on the ws-att-<id> name instead.`,
      );
      return 'unsupported';
    }
    throw err;
  }
}

export interface GsiSpec {
  indexName: string;
  partitionKey: string;
  sortKey?: string;
  /** 'ALL' (default), 'KEYS_ONLY', or the non-key attributes to INCLUDE. */
  projection?: 'ALL' | 'KEYS_ONLY' | string[];
  /** Only for PROVISIONED tables: AWS rejects it on an on-demand table (the guide's §2 example sends it). */
  provisionedThroughput?: { ReadCapacityUnits: number; WriteCapacityUnits: number };
}

export interface EnsureGsiResult {
  indexName: string;
  created: boolean;
  status: string;
  seconds: number;
}

/**
 * Adds a string-keyed GSI if it is missing and waits until every index is ACTIVE (DynamoDB Local fails writes
 * while an index is CREATING, and AWS backfills before it is usable). An existing index must have the same keys.
 */
export async function ensureGsi(
  clients: WorkshopClients,
  spec: GsiSpec,
  options: { tableName?: string } = {},
): Promise<EnsureGsiResult> {
  const { ddb, config } = clients;
  const tableName = options.tableName ?? config.tableName;
  const t0 = Date.now();
  try {
    const t = await describeTable(ddb, tableName);
    if (!t) throw Object.assign(new Error(`Table ${tableName} not found`), { name: 'ResourceNotFoundException' });
    const existing = (t.GlobalSecondaryIndexes ?? []).find((g) => g.IndexName === spec.indexName);
    const wantKeys = [`${spec.partitionKey}:HASH`, ...(spec.sortKey ? [`${spec.sortKey}:RANGE`] : [])].join(',');
    if (existing) {
      const keys = (existing.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
      if (keys !== wantKeys) {
        throw new WorkshopError(
          'GSI_SCHEMA',
          `Index ${spec.indexName} on ${tableName} exists with keys ${keys}, not ${wantKeys}.`,
          'pick another index name, or delete the index (UpdateTable Delete) and run this again',
        );
      }
      const done = await waitActive(ddb, tableName);
      const status = done.GlobalSecondaryIndexes?.find((g) => g.IndexName === spec.indexName)?.IndexStatus ?? 'ACTIVE';
      return { indexName: spec.indexName, created: false, status, seconds: (Date.now() - t0) / 1000 };
    }
    const attrs = [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])];
    const projection =
      spec.projection === undefined || spec.projection === 'ALL'
        ? { ProjectionType: 'ALL' as const }
        : spec.projection === 'KEYS_ONLY'
          ? { ProjectionType: 'KEYS_ONLY' as const }
          : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: spec.projection };
    await waitActive(ddb, tableName); // AWS allows one index change at a time
    await ddb.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attrs.map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: spec.indexName,
              KeySchema: [
                { AttributeName: spec.partitionKey, KeyType: 'HASH' },
                ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' as const }] : []),
              ],
              Projection: projection,
              ProvisionedThroughput: spec.provisionedThroughput,
            },
          },
        ],
      }),
    );
    const done = await waitActive(ddb, tableName);
    const status = done.GlobalSecondaryIndexes?.find((g) => g.IndexName === spec.indexName)?.IndexStatus ?? 'ACTIVE';
    return { indexName: spec.indexName, created: true, status, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    throw translateAwsError(err, { ...config, tableName });
  }
}
