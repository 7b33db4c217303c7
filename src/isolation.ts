import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { tenantKeys } from './tenancy';

/**
 * The cross-tenant attack matrix: every data-plane operation, sent by one tenant's client with its own keys, another
 * tenant's keys, a mix of both, or no keys at all (Scan). Writes go to `TENANT#<tid>#PROBE` items only, so the
 * probes never disturb a tenant's real data and a rerun gives the same table.
 */

export type ProbeOperation =
  | 'GetItem'
  | 'Query'
  | 'Query (GSI)'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchGetItem'
  | 'BatchWriteItem'
  | 'TransactWriteItems'
  | 'TransactGetItems';

export type KeySet = 'own' | 'other' | 'mixed' | 'none';

export interface Probe {
  operation: ProbeOperation;
  keySet: KeySet;
  /** The partition keys the request touches (what IAM sees as dynamodb:LeadingKeys). */
  partitionKeys: string[];
  /** The DocumentClient command input, so a test can check the request offline. */
  input: Record<string, unknown>;
  send(doc: DynamoDBDocumentClient): Promise<unknown>;
}

export type ProbeOutcome = 'ALLOWED' | 'DENIED' | 'ERROR';

export interface ProbeResult {
  operation: ProbeOperation;
  keySet: KeySet;
  outcome: ProbeOutcome;
  /** The error's name when the call failed (AccessDeniedException when IAM refused it). */
  error?: string;
  /** Items returned by a read (a Scan that got through shows how much leaked). */
  items?: number;
}

export interface ProbePlanOptions {
  tableName: string;
  /** The tenant-prefixed GSI (TENANT_GSI); without it no GSI probe is planned. */
  indexName?: string;
  /** The tenant whose client sends the probes. */
  own: string;
  /** The tenant whose keys it tries to reach. */
  other: string;
}

export const PROBE_OPERATIONS: readonly ProbeOperation[] = [
  'GetItem',
  'Query',
  'Query (GSI)',
  'Scan',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
];

/** Which key sets apply to an operation: one-key calls have no "mixed", and only Scan has "none". */
export function keySetsFor(operation: ProbeOperation): KeySet[] {
  if (operation === 'Scan') return ['none'];
  if (['BatchGetItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems'].includes(operation))
    return ['own', 'other', 'mixed'];
  return ['own', 'other'];
}

/** Every probe of the matrix for one attacker/victim pair (pure: builds inputs, sends nothing). */
export function isolationProbes(o: ProbePlanOptions): Probe[] {
  const mine = tenantKeys(o.own);
  const theirs = tenantKeys(o.other);
  const T = o.tableName;
  const probes: Probe[] = [];
  const pkOf = (set: KeySet, i: number): string => {
    if (set === 'own') return mine.pk('PROBE');
    if (set === 'other') return theirs.pk('PROBE');
    return i % 2 === 0 ? mine.pk('PROBE') : theirs.pk('PROBE');
  };
  const key = (set: KeySet, op: string, i: number) => ({ PK: pkOf(set, i), SK: `PROBE#${op}#${i}` });
  const pks = (set: KeySet, n: number) => Array.from(new Set(Array.from({ length: n }, (_, i) => pkOf(set, i))));
  const add = (
    operation: ProbeOperation,
    keySet: KeySet,
    partitionKeys: string[],
    input: Record<string, unknown>,
    send: Probe['send'],
  ) => probes.push({ operation, keySet, partitionKeys, input, send });

  for (const operation of PROBE_OPERATIONS) {
    for (const set of keySetsFor(operation)) {
      switch (operation) {
        case 'GetItem': {
          const input = { TableName: T, Key: key(set, 'get', 0) };
          add(operation, set, pks(set, 1), input, (doc) => doc.send(new GetCommand(input)));
          break;
        }
        case 'Query': {
          const input = {
            TableName: T,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': pkOf(set, 0) },
            Limit: 10,
          };
          add(operation, set, pks(set, 1), input, (doc) => doc.send(new QueryCommand(input)));
          break;
        }
        case 'Query (GSI)': {
          if (!o.indexName) break;
          const gsiPk = (set === 'own' ? mine : theirs).statusGsiPk('PENDING');
          const input = {
            TableName: T,
            IndexName: o.indexName,
            KeyConditionExpression: 'GSI1PK = :pk',
            ExpressionAttributeValues: { ':pk': gsiPk },
            Limit: 10,
          };
          add(operation, set, [gsiPk], input, (doc) => doc.send(new QueryCommand(input)));
          break;
        }
        case 'Scan': {
          const input = { TableName: T, Limit: 25 };
          add(operation, set, [], input, (doc) => doc.send(new ScanCommand(input)));
          break;
        }
        case 'PutItem': {
          const input = { TableName: T, Item: { ...key(set, 'put', 0), probe: true } };
          add(operation, set, pks(set, 1), input, (doc) => doc.send(new PutCommand(input)));
          break;
        }
        case 'UpdateItem': {
          const input = {
            TableName: T,
            Key: key(set, 'update', 0),
            UpdateExpression: 'SET probe = :t',
            ExpressionAttributeValues: { ':t': true },
          };
          add(operation, set, pks(set, 1), input, (doc) => doc.send(new UpdateCommand(input)));
          break;
        }
        case 'DeleteItem': {
          const input = { TableName: T, Key: key(set, 'delete', 0) };
          add(operation, set, pks(set, 1), input, (doc) => doc.send(new DeleteCommand(input)));
          break;
        }
        case 'BatchGetItem': {
          const input = { RequestItems: { [T]: { Keys: [key(set, 'bget', 0), key(set, 'bget', 1)] } } };
          add(operation, set, pks(set, 2), input, (doc) => doc.send(new BatchGetCommand(input)));
          break;
        }
        case 'BatchWriteItem': {
          const input = {
            RequestItems: { [T]: [0, 1].map((i) => ({ PutRequest: { Item: { ...key(set, 'bwrite', i), probe: true } } })) },
          };
          add(operation, set, pks(set, 2), input, (doc) => doc.send(new BatchWriteCommand(input)));
          break;
        }
        case 'TransactWriteItems': {
          const input = {
            TransactItems: [
              { Put: { TableName: T, Item: { ...key(set, 'twrite', 0), probe: true } } },
              {
                Update: {
                  TableName: T,
                  Key: key(set, 'twrite', 1),
                  UpdateExpression: 'SET probe = :t',
                  ExpressionAttributeValues: { ':t': true },
                },
              },
            ],
          };
          add(operation, set, pks(set, 2), input, (doc) => doc.send(new TransactWriteCommand(input)));
          break;
        }
        case 'TransactGetItems': {
          const input = { TransactItems: [0, 1].map((i) => ({ Get: { TableName: T, Key: key(set, 'tget', i) } })) };
          add(operation, set, pks(set, 2), input, (doc) => doc.send(new TransactGetCommand(input)));
          break;
        }
      }
    }
  }
  return probes;
}

function countItems(out: unknown): number | undefined {
  const o = out as { Items?: unknown[]; Item?: unknown; Responses?: unknown };
  if (Array.isArray(o?.Items)) return o.Items.length;
  if (o && 'Item' in o) return o.Item ? 1 : 0;
  if (Array.isArray(o?.Responses)) return (o.Responses as { Item?: unknown }[]).filter((r) => r?.Item).length;
  if (o?.Responses && typeof o.Responses === 'object') {
    return Object.values(o.Responses as Record<string, unknown[]>).reduce((a, v) => a + (Array.isArray(v) ? v.length : 0), 0);
  }
  return undefined;
}

/** Sends each probe; AccessDeniedException is DENIED, success is ALLOWED, any other error is ERROR (a bug). */
export async function runIsolationProbes(doc: DynamoDBDocumentClient, probes: readonly Probe[]): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const p of probes) {
    try {
      const res = await p.send(doc);
      out.push({ operation: p.operation, keySet: p.keySet, outcome: 'ALLOWED', items: countItems(res) });
    } catch (err) {
      const name = (err as { name?: string })?.name ?? 'Error';
      out.push({
        operation: p.operation,
        keySet: p.keySet,
        outcome: name === 'AccessDeniedException' ? 'DENIED' : 'ERROR',
        error: name,
      });
    }
  }
  return out;
}

/** One row per operation × key set, one column per tenant: what console.table shows. */
export function probeMatrix(byTenant: Record<string, readonly ProbeResult[]>): Record<string, string>[] {
  const rows = new Map<string, Record<string, string>>();
  for (const tenant of Object.keys(byTenant)) {
    for (const r of byTenant[tenant]) {
      const id = `${r.operation}|${r.keySet}`;
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { operation: r.operation, keys: r.keySet }));
      row[tenant] = r.outcome === 'ALLOWED' ? 'ALLOWED' : `${r.outcome} (${r.error})`;
    }
  }
  return Array.from(rows.values());
}

/**
 * What a cross-tenant request that got through means, on the target it happened on: on DynamoDB Local the
 * workshop's own evaluator let it (a bug to report); on AWS the tenant role's policy did; behind a redirected
 * endpoint, most likely a stand-in that does not enforce IAM condition keys. Every sentence a cell prints must be true.
 */
export function explainLeak(target: 'local' | 'aws', endpoint: string): string {
  if (target === 'local') {
    return 'the IAM evaluator in front of DynamoDB Local allowed it: that is a bug in the workshop, tell the instructor';
  }
  if (endpoint !== 'aws') {
    return `requests go to ${endpoint}, not to AWS: that endpoint does not enforce IAM condition keys such as dynamodb:LeadingKeys (an AWS stand-in?); on AWS these requests end in AccessDeniedException`;
  }
  return 'IAM allowed it: check that the ws-tenant role carries the policy above (scripts/tenant-role/deploy.sh) and that WORKSHOP_TENANT_ROLE_ARN names that role';
}
