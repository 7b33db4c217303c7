import { keyConditionPartitionKey } from '../model/request';
import type { TableSchema } from '../model/schema-cache';

// The IAM enforcer's reading of a request (see enforcer.ts): the authorization requests AWS would make for it.

type Json = Record<string, unknown>;

export interface AbacKeySchema {
  /** The table's partition key attribute. */
  hash: string;
  /** Index name → the index's partition key attribute. */
  indexes: Record<string, string>;
}

/** The partition keys the enforcer needs, from the shared schema (GSIs and LSIs). */
export function abacKeySchemaOf(schema: TableSchema): AbacKeySchema {
  const indexes: Record<string, string> = {};
  for (const i of schema.indexes) indexes[i.name] = i.hash;
  return { hash: schema.hash, indexes };
}

export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** Partition key values this request touches (deduplicated); empty when it touches none (Scan). */
  leadingKeys: string[];
}

function stringOf(av: unknown): string | undefined {
  if (av && typeof av === 'object') {
    const v = av as Json;
    if (typeof v.S === 'string') return v.S;
    if (typeof v.N === 'string') return v.N;
    if (typeof v.B === 'string') return v.B;
  }
  return undefined;
}

function unique(values: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== undefined && !out.includes(v)) out.push(v);
  return out;
}

const PARTIQL_ACTION: Record<string, string> = {
  SELECT: 'dynamodb:PartiQLSelect',
  INSERT: 'dynamodb:PartiQLInsert',
  UPDATE: 'dynamodb:PartiQLUpdate',
  DELETE: 'dynamodb:PartiQLDelete',
};

function partiqlRequest(statement: string, arnOf: (table: string, index?: string) => string): AuthorizationRequest {
  const verb = (/^\s*(\w+)/.exec(statement)?.[1] ?? '').toUpperCase();
  const table = /\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.-]{3,255})"?/i.exec(statement)?.[1];
  return {
    action: PARTIQL_ACTION[verb] ?? 'dynamodb:PartiQLSelect',
    resource: table ? arnOf(table) : '*',
    leadingKeys: [],
  };
}

/** The tables a request names (what the enforcer must know the key schema of before deciding). */
export function requestTables(operation: string, body: Json): string[] {
  const names: (string | undefined)[] = [];
  if (typeof body.TableName === 'string') names.push(body.TableName);
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem')
    names.push(...Object.keys((body.RequestItems ?? {}) as Json));
  if (operation === 'TransactGetItems' || operation === 'TransactWriteItems') {
    for (const t of (body.TransactItems ?? []) as Json[]) {
      for (const k of Object.keys(t)) names.push((t[k] as Json | undefined)?.TableName as string | undefined);
    }
  }
  return unique(names);
}

/**
 * The authorization requests AWS evaluates for one DynamoDB API call (pure). `schemaOf` gives a table's key
 * attributes, `arnOf` the ARN of a table or of one of its indexes.
 */
export function authorizationRequests(
  operation: string,
  body: Json,
  schemaOf: (table: string) => AbacKeySchema,
  arnOf: (table: string, index?: string) => string,
): AuthorizationRequest[] {
  const action = `dynamodb:${operation}`;
  const table = typeof body.TableName === 'string' ? body.TableName : undefined;
  const pkOf = (t: string, item: unknown): string | undefined => (item ? stringOf((item as Json)[schemaOf(t).hash]) : undefined);

  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ action, resource: arnOf(table!), leadingKeys: unique([pkOf(table!, body.Key)]) }];
    case 'PutItem':
      return [{ action, resource: arnOf(table!), leadingKeys: unique([pkOf(table!, body.Item)]) }];
    case 'Query': {
      const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
      const schema = schemaOf(table!);
      const hash = index ? (schema.indexes[index] ?? schema.hash) : schema.hash;
      const pk = keyConditionPartitionKey(body, hash);
      return [{ action, resource: arnOf(table!, index), leadingKeys: unique([pk]) }];
    }
    case 'Scan': {
      const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
      return [{ action, resource: arnOf(table!, index), leadingKeys: [] }];
    }
    case 'BatchGetItem': {
      const items = (body.RequestItems ?? {}) as Record<string, { Keys?: Json[] }>;
      return Object.keys(items).map((t) => ({
        action,
        resource: arnOf(t),
        leadingKeys: unique((items[t].Keys ?? []).map((k) => pkOf(t, k))),
      }));
    }
    case 'BatchWriteItem': {
      const items = (body.RequestItems ?? {}) as Record<string, Json[]>;
      return Object.keys(items).map((t) => ({
        action,
        resource: arnOf(t),
        // Every key an entry carries counts: an entry holding both a PutRequest and a DeleteRequest is malformed,
        // but an engine that acted on both must not have authorised only one of them.
        leadingKeys: unique(
          items[t].flatMap((wr) => [
            pkOf(t, (wr.PutRequest as { Item?: Json } | undefined)?.Item),
            pkOf(t, (wr.DeleteRequest as { Key?: Json } | undefined)?.Key),
          ]),
        ),
      }));
    }
    case 'TransactGetItems':
      return ((body.TransactItems ?? []) as Json[]).map((ti) => {
        const get = (ti.Get ?? {}) as Json;
        const t = String(get.TableName);
        return { action: 'dynamodb:GetItem', resource: arnOf(t), leadingKeys: unique([pkOf(t, get.Key)]) };
      });
    case 'TransactWriteItems': {
      const actionOf: Record<string, string> = {
        Put: 'dynamodb:PutItem',
        Update: 'dynamodb:UpdateItem',
        Delete: 'dynamodb:DeleteItem',
        ConditionCheck: 'dynamodb:ConditionCheckItem',
      };
      const out: AuthorizationRequest[] = [];
      for (const ti of (body.TransactItems ?? []) as Json[]) {
        for (const kind of Object.keys(ti)) {
          const op = ti[kind] as Json;
          if (!actionOf[kind] || !op) continue;
          const t = String(op.TableName);
          out.push({
            action: actionOf[kind],
            resource: arnOf(t),
            leadingKeys: unique([pkOf(t, kind === 'Put' ? op.Item : op.Key)]),
          });
        }
      }
      return out;
    }
    case 'ExecuteStatement':
      return [partiqlRequest(String(body.Statement ?? ''), arnOf)];
    case 'BatchExecuteStatement':
      return ((body.Statements ?? []) as Json[]).map((s) => partiqlRequest(String(s.Statement ?? ''), arnOf));
    case 'ExecuteTransaction':
      return ((body.TransactStatements ?? []) as Json[]).map((s) => partiqlRequest(String(s.Statement ?? ''), arnOf));
    default:
      return [{ action, resource: table ? arnOf(table) : '*', leadingKeys: [] }];
  }
}
