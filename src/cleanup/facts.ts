// Reading the facts cleanup plans from (I/O): ListTables, DescribeTable, tags on AWS, the shared table's owner record
// locally; and recording that owner.

import {
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  type TableDescription,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import type { WorkshopClients } from '../client';
import { validateAttendeeId } from '../config';
import { WorkshopError, translateAwsError } from '../errors';
import {
  type CleanupFacts,
  type CleanupPlan,
  SHARED_OWNER_KEY,
  SHARED_TABLE,
  type TableFacts,
  ownTableNames,
  planCleanup,
} from './plan';

export function errName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

export function errText(err: unknown): string {
  const name = errName(err);
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return name && name !== 'Error' ? `${name}: ${msg}` : msg;
}

/** Every table name in the account and Region (or the local engine), following LastEvaluatedTableName. */
export async function listAllTables(ddb: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const out = await ddb.send(new ListTablesCommand({ ExclusiveStartTableName: start, Limit: 100 }));
    names.push(...(out.TableNames ?? []));
    start = out.LastEvaluatedTableName;
  } while (start);
  return names.sort();
}

export async function describeOrUndefined(ddb: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if (errName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/** A table's tags (ListTagsOfResource, every page). A key listed twice keeps its last value. */
export async function readTags(ddb: DynamoDBClient, arn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let next: string | undefined;
  do {
    const out = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: next }));
    for (const t of (out.Tags ?? []) as Tag[]) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
    next = out.NextToken;
  } while (next);
  return tags;
}

async function readOwnerRecord(ddb: DynamoDBClient, table: string): Promise<{ owner?: string; error?: string }> {
  try {
    const out = await ddb.send(
      new GetItemCommand({
        TableName: table,
        Key: { PK: { S: SHARED_OWNER_KEY.PK }, SK: { S: SHARED_OWNER_KEY.SK } },
        ConsistentRead: true,
      }),
    );
    const owner = out.Item?.owner?.S;
    return owner === undefined ? {} : { owner };
  } catch (err) {
    // e.g. a shared table whose keys are not PK/SK strings: no readable record, so no proof.
    return { error: errText(err) };
  }
}

export interface GatherOptions {
  includeShared?: boolean;
  /** The shared table's name (default: WORKSHOP_SHARED_TABLE, else ws-shared). */
  sharedTable?: string;
}

/** ListTables, then DescribeTable (+ ListTagsOfResource on AWS, + the owner record locally) for the candidates. */
export async function gatherCleanupFacts(clients: WorkshopClients, options: GatherOptions = {}): Promise<CleanupFacts> {
  const { ddb, config } = clients;
  const id = validateAttendeeId(config.attendeeId);
  // The same override as src/tenancy/keys.ts (WORKSHOP_SHARED_TABLE), read here to keep cleanup free of tenancy code.
  const sharedTable = options.sharedTable ?? ((process.env.WORKSHOP_SHARED_TABLE ?? '').trim() || SHARED_TABLE);
  const candidates = new Set([...ownTableNames(id), sharedTable]);
  try {
    const names = await listAllTables(ddb);
    const tables: TableFacts[] = [];
    for (const name of names) {
      if (!candidates.has(name)) {
        tables.push({ name });
        continue;
      }
      const d = await describeOrUndefined(ddb, name);
      if (!d) continue; // gone between ListTables and DescribeTable
      const facts: TableFacts = { name, status: d.TableStatus, deletionProtection: d.DeletionProtectionEnabled === true };
      if (config.target === 'aws') {
        try {
          facts.tags = await readTags(ddb, d.TableArn ?? '');
        } catch (err) {
          facts.tagError = errText(err);
        }
      } else if (name === sharedTable && options.includeShared) {
        const rec = await readOwnerRecord(ddb, name);
        if (rec.owner !== undefined) facts.ownerRecord = rec.owner;
        if (rec.error !== undefined) facts.ownerRecordError = rec.error;
      }
      tables.push(facts);
    }
    return { attendeeId: id, target: config.target, tables, includeShared: options.includeShared === true, sharedTable };
  } catch (err) {
    throw translateAwsError(err, config);
  }
}

/** Reads the tables and plans, deleting nothing. */
export async function planCleanupFor(clients: WorkshopClients, options: GatherOptions = {}): Promise<CleanupPlan> {
  return planCleanup(await gatherCleanupFacts(clients, options));
}

/**
 * Locally, records `owner` as the owner of the shared table (the item SHARED_OWNER_KEY), so that cleanup can
 * prove it there. The first owner recorded stays: recording another owner fails.
 */
export async function recordSharedOwner(
  clients: WorkshopClients,
  owner: string = clients.config.attendeeId,
  table: string = SHARED_TABLE,
): Promise<void> {
  const id = validateAttendeeId(owner);
  try {
    await clients.ddb.send(
      new PutItemCommand({
        TableName: table,
        Item: { PK: { S: SHARED_OWNER_KEY.PK }, SK: { S: SHARED_OWNER_KEY.SK }, owner: { S: id }, type: { S: 'WORKSHOP_META' } },
        ConditionExpression: 'attribute_not_exists(PK) OR #o = :o',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':o': { S: id } },
      }),
    );
  } catch (err) {
    if (errName(err) === 'ConditionalCheckFailedException') {
      throw new WorkshopError(
        'SHARED_OWNER_TAKEN',
        `${table} already records another owner; ${id} cannot claim it.`,
        "only the table's creator (the instructor) owns the shared table",
      );
    }
    throw translateAwsError(err, { ...clients.config, tableName: table });
  }
}
