import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  TableDescription,
  TagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { validateTableName } from './config';
import { WorkshopError, translateAwsError } from './errors';
import { WorkshopClients } from './client';

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
  const ks = (t.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).sort().join(',');
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
