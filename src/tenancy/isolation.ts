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
import { tenantKeys } from './keys';
import { foreignItems, queryIndexUntil, tenantIndexQueryInput } from './index-reads';

/**
 * The cross-tenant attack matrix: every data-plane operation, sent by one tenant's client with its own keys, another
 * tenant's keys, a mix of both, or no keys at all (Scan). Writes go to `TENANT#<tid>#PROBE` items only, so the
 * probes never disturb a tenant's real data and a rerun gives the same table.
 */

export type ProbeOperation =
  | 'GetItem'
  | 'Query'
  | 'Query (:pk = PK)'
  | 'Query (GSI)'
  | 'Scan'
  | 'PutItem'
  | 'PutItem (foreign GSI key)'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchGetItem'
  | 'BatchWriteItem'
  | 'BatchWriteItem (put + delete entry)'
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
  /** What IAM decides: DENIED for every cross-tenant key IAM sees; ALLOWED where the foreign key is invisible to it. */
  expected: ProbeOutcome;
  send(doc: DynamoDBDocumentClient): Promise<unknown>;
  /**
   * After an allowed write that planted a foreign GSI key: what the victim's own index Query shows, plain and guarded
   * (then the probe item is deleted, so a rerun starts from the same table).
   */
  afterWrite?(attacker: DynamoDBDocumentClient, victim: DynamoDBDocumentClient): Promise<InjectionLeak>;
}

/** The GSI-key injection seen from the victim: the attacker's items in its index, without and with the guard. */
export interface InjectionLeak {
  /** This probe's planted item in the victim's plain index Query (1: the injection got through). */
  visible: number;
  /** Items of another tenant in the victim's guarded index Query (begins_with(PK, :own)): 0 when the guard holds. */
  guarded: number;
}

export type ProbeOutcome = 'ALLOWED' | 'DENIED' | 'ERROR';

export interface ProbeResult {
  operation: ProbeOperation;
  keySet: KeySet;
  outcome: ProbeOutcome;
  expected: ProbeOutcome;
  /** The GSI-key injection: what reached the victim's index (absent when no victim client was given). */
  leak?: InjectionLeak;
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
  /**
   * Appended to every probe item's sort key (the attendee id): in a room, attendees probe the same tenants in one
   * shared table at once, and one attendee's clean-up must not delete the item another is about to read back.
   */
  runId?: string;
}

export const PROBE_OPERATIONS: readonly ProbeOperation[] = [
  'GetItem',
  'Query',
  'Query (:pk = PK)',
  'Query (GSI)',
  'Scan',
  'PutItem',
  'PutItem (foreign GSI key)',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
  'BatchWriteItem (put + delete entry)',
  'TransactWriteItems',
  'TransactGetItems',
];

/**
 * Which key sets apply to an operation: one-key calls have no "mixed", and only Scan has "none". The two shapes that
 * exist only to mix tenants — a PutItem of an own item carrying the other tenant's GSI key, a BatchWriteItem entry
 * holding an own PutRequest and the other tenant's DeleteRequest — are "mixed" only.
 */
export function keySetsFor(operation: ProbeOperation): KeySet[] {
  if (operation === 'Scan') return ['none'];
  if (operation === 'PutItem (foreign GSI key)' || operation === 'BatchWriteItem (put + delete entry)') return ['mixed'];
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
  const run = o.runId ? `#${o.runId}` : '';
  const key = (set: KeySet, op: string, i: number) => ({ PK: pkOf(set, i), SK: `PROBE#${op}#${i}${run}` });
  const pks = (set: KeySet, n: number) => Array.from(new Set(Array.from({ length: n }, (_, i) => pkOf(set, i))));
  const add = (
    operation: ProbeOperation,
    keySet: KeySet,
    partitionKeys: string[],
    input: Record<string, unknown>,
    send: Probe['send'],
    extra: Partial<Pick<Probe, 'expected' | 'afterWrite'>> = {},
  ) =>
    probes.push({
      operation,
      keySet,
      partitionKeys,
      input,
      expected: extra.expected ?? (keySet === 'own' ? 'ALLOWED' : 'DENIED'),
      send,
      ...(extra.afterWrite ? { afterWrite: extra.afterWrite } : {}),
    });

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
        case 'Query (:pk = PK)': {
          // The same key condition, value first: IAM reads the partition key from either operand order.
          const input = {
            TableName: T,
            KeyConditionExpression: ':pk = PK',
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
        case 'PutItem (foreign GSI key)': {
          // LeadingKeys is the TABLE's partition key: the own PK passes, the victim's GSI key is not looked at.
          const victimGsiPk = theirs.statusGsiPk('PENDING');
          const item = { ...key('own', 'gsi-inject', 0), GSI1PK: victimGsiPk, GSI1SK: 'PROBE#gsi-inject', probe: true };
          const input = { TableName: T, Item: item };
          const afterWrite = async (attacker: DynamoDBDocumentClient, victim: DynamoDBDocumentClient) => {
            const gsi = { tableName: T, indexName: o.indexName ?? '', gsiPk: victimGsiPk };
            try {
              // this run's planted item (others may be probing the same tenants), waited for: the index is
              // eventually consistent on AWS
              const isPlanted = (i: Record<string, unknown>) => i.PK === item.PK && i.SK === item.SK;
              const plainInput = {
                TableName: T,
                IndexName: gsi.indexName,
                KeyConditionExpression: 'GSI1PK = :g',
                ExpressionAttributeValues: { ':g': victimGsiPk },
              };
              const plain = await queryIndexUntil(victim, plainInput, (items) => items.some(isPlanted));
              const guarded = await victim.send(new QueryCommand(tenantIndexQueryInput(theirs, gsi)));
              return {
                visible: plain.items.filter(isPlanted).length,
                guarded: foreignItems(theirs, guarded.Items ?? []).length,
              };
            } finally {
              // The planted item goes whatever happened: the victim's index holds its own items only afterwards.
              await attacker.send(new DeleteCommand({ TableName: T, Key: { PK: item.PK, SK: item.SK } }));
            }
          };
          if (!o.indexName) break;
          add(operation, set, [mine.pk('PROBE')], input, (doc) => doc.send(new PutCommand(input)), {
            expected: 'ALLOWED',
            afterWrite,
          });
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
        case 'BatchWriteItem (put + delete entry)': {
          // One entry, two requests: an own PutRequest and the other tenant's DeleteRequest. Malformed for DynamoDB,
          // but an engine that acted on both must not have been authorised on the put alone.
          const entry = {
            PutRequest: { Item: { ...key('own', 'bmixed', 0), probe: true } },
            DeleteRequest: { Key: key('other', 'bmixed', 0) },
          };
          const input = { RequestItems: { [T]: [entry] } };
          add(operation, set, [mine.pk('PROBE'), theirs.pk('PROBE')], input, (doc) => doc.send(new BatchWriteCommand(input)));
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

/**
 * Sends each probe; AccessDeniedException is DENIED, success is ALLOWED, any other error is ERROR (a bug). With the
 * victim's own client, an allowed GSI-key injection is followed into the victim's index (plain and guarded reads).
 */
export async function runIsolationProbes(
  doc: DynamoDBDocumentClient,
  probes: readonly Probe[],
  options: { victim?: DynamoDBDocumentClient } = {},
): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const p of probes) {
    const base = { operation: p.operation, keySet: p.keySet, expected: p.expected };
    try {
      const res = await p.send(doc);
      const r: ProbeResult = { ...base, outcome: 'ALLOWED', items: countItems(res) };
      if (p.afterWrite && options.victim) r.leak = await p.afterWrite(doc, options.victim);
      out.push(r);
    } catch (err) {
      const name = (err as { name?: string })?.name ?? 'Error';
      out.push({ ...base, outcome: name === 'AccessDeniedException' ? 'DENIED' : 'ERROR', error: name });
    }
  }
  return out;
}

/**
 * One cell of the matrix as text: the outcome, and for the GSI-key injection where it landed — "ALLOWED: 1 in the
 * victim's index, 0 through the guard". An outcome other than the expected one is flagged.
 */
export function probeVerdict(r: ProbeResult, victim = 'victim'): string {
  let text = r.outcome === 'ALLOWED' ? 'ALLOWED' : `${r.outcome} ${r.error ?? ''}`.trim();
  if (r.leak) text += ` — in ${victim}'s index: ${r.leak.visible}, guarded read: ${r.leak.guarded}`;
  return r.outcome === r.expected ? text : `${text} (expected ${r.expected})`;
}

/** One row per operation × key set, one column per tenant: what console.table shows. */
export function probeMatrix(byTenant: Record<string, readonly ProbeResult[]>): Record<string, string>[] {
  const rows = new Map<string, Record<string, string>>();
  for (const tenant of Object.keys(byTenant)) {
    for (const r of byTenant[tenant]) {
      const id = `${r.operation}|${r.keySet}`;
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { operation: r.operation, keys: r.keySet }));
      row[tenant] = probeVerdict(r);
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
