import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { OWNER_TAG, SCRATCH_PREFIX, listAllTables, readTags } from './cleanup';
import { TABLE_PREFIX, tableCaseCollision, validateTableName } from './config';
import { WorkshopError, translateAwsError } from './errors';
import { withControlPlaneRetry } from './control-plane';
import type { WorkshopClients } from './client';

export interface EnsureTableResult {
  tableName: string;
  created: boolean;
  status: string;
  arn?: string;
  /**
   * Who the table's Owner tag names, as read (ensureTable tags a table only when it creates it, in CreateTable, and
   * never re-tags an existing one): 'mine' (you), 'other' (someone else: see `owner`), 'none' (no Owner tag),
   * 'unsupported' (the engine has no tags: DynamoDB Local).
   */
  ownerTag: 'mine' | 'other' | 'none' | 'unsupported';
  /** The Owner tag's value, when there is one. */
  owner?: string;
  /** One sentence on whose table it is and what ensureTable did about it, for the notebook to print. */
  ownership: string;
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
 * table ACTIVE while a new GSI is CREATING, and writes during that window fail with a 500 — which is why this is not
 * the SDK's `waitUntilTableExists` (it checks TableStatus only).
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
  const types = new Map((t.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const keys = [...(t.KeySchema ?? [])].sort((a, b) => String(a.KeyType).localeCompare(String(b.KeyType)));
  const ks = keys.map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  if (ks !== 'PK:HASH,SK:RANGE' || types.get('PK') !== 'S' || types.get('SK') !== 'S') {
    // Name and type of each key: "PK:HASH,SK:RANGE" alone reads as the very schema the message asks for.
    const shown = keys.map((k) => `${k.AttributeName} (${types.get(k.AttributeName ?? '') ?? 'no type defined'}, ${k.KeyType})`);
    throw new WorkshopError(
      'TABLE_SCHEMA',
      `Table ${t.TableName} exists but its key schema is ${shown.join(' + ') || 'unknown'} (the workshop needs PK (S, HASH) + SK (S, RANGE)).`,
      'delete it (notebooks/06_cleanup.ipynb or scripts/delete_table.sh) and run 00_setup again',
    );
  }
}

/** Tables named like an attendee's own (`ws-att-<id>`, `ws-cost-<id>`): someone else's is refused, not used. */
function isPersonalName(tableName: string): boolean {
  return [TABLE_PREFIX, SCRATCH_PREFIX].some((p) => tableName.startsWith(p) && tableName.length > p.length);
}

/**
 * Creates the table (PK/SK strings, on-demand) if it is missing — on AWS tagged Owner=<attendee> in CreateTable —
 * and waits until it is ACTIVE. Safe to run again: an existing table with the right schema is kept as it is.
 *
 * Only the creator tags. An existing table's Owner tag is read and reported, never changed (TagResource would
 * hand someone else's table to you, and then to your cleanup): a shared table owned by someone else is used and
 * reported as theirs; a table named like an attendee's own (`ws-att-…`, `ws-cost-…`) tagged for someone else is
 * refused with a WorkshopError.
 */
/** The workshop's table shape: PK (S, HASH) + SK (S, RANGE), on-demand; tags only where given (the creator's). */
export function workshopTableInput(tableName: string, tags?: Record<string, string>): CreateTableCommandInput {
  return {
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
    ...(tags ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
  };
}

export async function ensureTable(
  clients: WorkshopClients,
  options: { tableName?: string; owner?: string } = {},
): Promise<EnsureTableResult> {
  const { ddb, config } = clients;
  const tableName = validateTableName(options.tableName ?? config.tableName);
  const owner = options.owner ?? config.attendeeId;
  let created = false;
  try {
    let t = await describeTable(ddb, tableName);
    if (!t && config.target === 'local') {
      // DynamoDB Local compares table names without case: ws-att-alice next to ws-att-Alice is a 500, unexplained.
      const collision = tableCaseCollision(tableName, await listAllTables(ddb), config.target);
      if (collision) throw collision;
    }
    if (!t) {
      try {
        const create = new CreateTableCommand(
          workshopTableInput(tableName, config.target === 'aws' ? { [OWNER_TAG]: owner } : undefined),
        );
        await withControlPlaneRetry(`creating ${tableName}`, () => ddb.send(create));
        created = true;
      } catch (err) {
        // Another kernel (or attendee) created it between our Describe and Create: it is theirs, read below.
        if (errName(err) !== 'ResourceInUseException') throw err;
      }
    }
    t = await waitActive(ddb, tableName);
    checkKeySchema(t);
    const tags = await readTagsIfSupported(ddb, t);
    return {
      tableName,
      created,
      status: t.TableStatus ?? 'UNKNOWN',
      arn: t.TableArn,
      ...tableOwnership(tableName, owner, created, tags),
    };
  } catch (err) {
    throw translateAwsError(err, { ...config, tableName });
  }
}

/** The table's tags, or undefined when the engine has no tags (DynamoDB Local refuses ListTagsOfResource). */
async function readTagsIfSupported(ddb: DynamoDBClient, t: TableDescription): Promise<Record<string, string> | undefined> {
  try {
    return await readTags(ddb, t.TableArn ?? '');
  } catch (err) {
    // DynamoDB Local: UnknownOperationException "Tagging is not currently supported in DynamoDB Local.". Any other
    // error (AccessDenied on AWS…) is raised: ownership is never guessed.
    const msg = err instanceof Error ? err.message : String(err);
    if (errName(err) === 'UnknownOperationException' || /not currently supported in DynamoDB Local/i.test(msg)) {
      return undefined;
    }
    throw err;
  }
}

/**
 * Whose table it is, from its tags (undefined: the engine has no tags), for `me` — reported, never changed.
 * Throws TABLE_NOT_YOURS for a table named like an attendee's own (ws-att-…, ws-cost-…) tagged for someone else.
 */
export function tableOwnership(
  tableName: string,
  me: string,
  created: boolean,
  tags: Record<string, string> | undefined,
): Pick<EnsureTableResult, 'ownerTag' | 'owner' | 'ownership'> {
  if (tags === undefined) {
    return {
      ownerTag: 'unsupported',
      ownership:
        `${tableName} carries no ${OWNER_TAG} tag: DynamoDB Local does not support tags ("Tagging is not currently ` +
        `supported in DynamoDB Local."); on AWS the workshop tags a table ${OWNER_TAG}=<creator's id> when it creates it` +
        (isPersonalName(tableName) ? `, and locally cleanup goes by the exact name ${tableName}` : ''),
    };
  }
  const owner = tags[OWNER_TAG];
  if (owner === undefined) {
    return {
      ownerTag: 'none',
      ownership: created
        ? `${tableName} was created now, but the engine kept no ${OWNER_TAG} tag: cleanup will keep it, as nothing ` +
          'proves whose it is'
        : `${tableName} has no ${OWNER_TAG} tag: using it, not claiming it (the workshop tags a table only when it ` +
          'creates it); cleanup will keep it, as nothing proves whose it is: ask the instructor to tag or delete it',
    };
  }
  if (owner === me) {
    return {
      ownerTag: 'mine',
      owner,
      ownership: created
        ? `${tableName} is yours: created now, tagged ${OWNER_TAG}=${me} in CreateTable`
        : `${tableName} is yours: tagged ${OWNER_TAG}=${me}`,
    };
  }
  if (isPersonalName(tableName)) {
    throw new WorkshopError(
      'TABLE_NOT_YOURS',
      `Table ${tableName} exists and is tagged ${OWNER_TAG}=${owner}: it is not yours (you are ${me}), so the ` +
        'workshop will neither use it nor re-tag it.',
      `ask the instructor: they can re-tag it ${OWNER_TAG}=${me} or delete it; check that ATTENDEE_ID=${me} ` +
        'is the id on your voucher (bash tools/attendee.sh <id>)',
    );
  }
  return {
    ownerTag: 'other',
    owner,
    ownership: `${tableName} belongs to ${owner}: using it, not claiming it (tagged ${OWNER_TAG}=${owner})`,
  };
}

/**
 * Every attribute definition the table's keys rely on, plus the new index's (strings). AWS merges what UpdateTable
 * sends with what the table has; some compatible engines (and moto) replace it, and would lose PK/SK's types.
 */
export function withAttributes(existing: readonly AttributeDefinition[], added: readonly string[]): AttributeDefinition[] {
  const out = new Map(existing.map((a) => [a.AttributeName, a]));
  for (const name of added) if (!out.has(name)) out.set(name, { AttributeName: name, AttributeType: 'S' });
  return [...out.values()];
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
    const update = new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: withAttributes(t.AttributeDefinitions ?? [], attrs),
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
    });
    // On a shared table another attendee's kernel may add the same index between our describe and our update: that
    // answer means the index is there, which is what this call wants (its key schema is checked on the next call).
    const created = await withControlPlaneRetry(`adding ${spec.indexName} to ${tableName}`, () =>
      ddb.send(update).then(
        () => true,
        (err: unknown) => {
          if (
            (err as { name?: string }).name === 'ValidationException' &&
            /index which already exists/i.test(String((err as Error).message))
          )
            return false;
          throw err;
        },
      ),
    );
    const done = await waitActive(ddb, tableName);
    const status = done.GlobalSecondaryIndexes?.find((g) => g.IndexName === spec.indexName)?.IndexStatus ?? 'ACTIVE';
    return { indexName: spec.indexName, created, status, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    throw translateAwsError(err, { ...config, tableName });
  }
}
