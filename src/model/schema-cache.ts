import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { IndexShape, KeyNames } from './request';

/**
 * One DescribeTable cache per DynamoDBClient, shared by the local stand-ins that need a table's key schema (the
 * throttling emulator, the IAM enforcer, the metrics recorder): `schemaCacheOf(client)` always returns the same cache
 * for the same client, so a table is described once, whoever asks first.
 *
 * The unknown-table rule (one for all): when DescribeTable fails — the table does not exist (yet), or the client may
 * not describe it — `get` resolves `undefined` and nothing is cached, so the next request asks again. What to do then
 * is the caller's policy, and each says so where it decides: the emulator passes the request to the engine
 * (which answers ResourceNotFoundException), the enforcer and the recorder read the key as the workshop's layout
 * (`WORKSHOP_SCHEMA`: PK/SK, no index). `forget(table)` drops a table after UpdateTable/DeleteTable/CreateTable.
 */

/** An index (GSI or LSI) as the stand-ins need it: its key, what it projects, its ARN. */
export interface IndexSchema extends IndexShape {
  kind: 'GSI' | 'LSI';
  arn: string;
}

/** A table's key schema and indexes (the one key-schema type of the local stand-ins). */
export interface TableSchema extends KeyNames {
  table: string;
  arn: string;
  indexes: IndexSchema[];
}

/** The workshop's table layout: the reading of a table DescribeTable cannot answer for. */
export function workshopSchema(table: string): TableSchema {
  return { table, arn: table, hash: 'PK', range: 'SK', indexes: [] };
}

type KeyElements = { AttributeName?: string; KeyType?: string }[] | undefined;

function keyNames(ks: KeyElements): KeyNames {
  const hash = (ks ?? []).find((k) => k.KeyType === 'HASH')?.AttributeName ?? 'PK';
  const range = (ks ?? []).find((k) => k.KeyType === 'RANGE')?.AttributeName;
  return range ? { hash, range } : { hash };
}

/** The schema of a DescribeTable answer. */
export function tableSchemaOf(t: TableDescription, table = t.TableName ?? ''): TableSchema {
  const arn = t.TableArn ?? table;
  const index =
    (kind: 'GSI' | 'LSI') =>
    (g: {
      IndexName?: string;
      KeySchema?: KeyElements;
      Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
      IndexArn?: string;
    }): IndexSchema => ({
      kind,
      name: g.IndexName ?? '',
      ...keyNames(g.KeySchema),
      projection: (g.Projection?.ProjectionType ?? 'ALL') as IndexShape['projection'],
      include: g.Projection?.NonKeyAttributes ?? [],
      arn: g.IndexArn ?? `${arn}/index/${g.IndexName}`,
    });
  return {
    table,
    arn,
    ...keyNames(t.KeySchema),
    indexes: [...(t.GlobalSecondaryIndexes ?? []).map(index('GSI')), ...(t.LocalSecondaryIndexes ?? []).map(index('LSI'))],
  };
}

export class SchemaCache {
  private readonly known = new Map<string, TableSchema>();
  private readonly pending = new Map<string, Promise<TableSchema | undefined>>();

  /** `describe` answers DescribeTable's `Table` (or throws, for an unknown table). */
  constructor(private readonly describe: (table: string) => Promise<TableDescription | undefined>) {}

  /**
   * The table's schema, or undefined when DescribeTable cannot answer (not cached: asked again next time). A request
   * naming an index the cached schema lacks asks again once: on a shared table another kernel may have added it.
   */
  get(table: string, index?: string): Promise<TableSchema | undefined> {
    const hit = this.known.get(table);
    if (hit && index !== undefined && !hit.indexes.some((i) => i.name === index)) this.known.delete(table);
    else if (hit) return Promise.resolve(hit);
    let p = this.pending.get(table);
    if (!p) {
      p = this.describe(table).then(
        (t) => {
          this.pending.delete(table);
          if (!t) return undefined;
          const schema = tableSchemaOf(t, table);
          this.known.set(table, schema);
          return schema;
        },
        () => {
          this.pending.delete(table);
          return undefined;
        },
      );
      this.pending.set(table, p);
    }
    return p;
  }

  /** The schema if already known (no DescribeTable). */
  peek(table: string): TableSchema | undefined {
    return this.known.get(table);
  }

  /** Seeds a schema (tests, or a caller that knows it): DescribeTable is then not asked. */
  set(schema: TableSchema): void {
    this.known.set(schema.table, schema);
  }

  /** Drops a table (its GSIs may have changed, or it was deleted). */
  forget(table: string): void {
    this.known.delete(table);
    this.pending.delete(table);
  }
}

const caches = new WeakMap<DynamoDBClient, SchemaCache>();

/** The one cache of this client (created on first use; DescribeTable is sent through the client itself). */
export function schemaCacheOf(client: DynamoDBClient): SchemaCache {
  let c = caches.get(client);
  if (!c) {
    c = new SchemaCache(async (table) => (await client.send(new DescribeTableCommand({ TableName: table }))).Table);
    caches.set(client, c);
  }
  return c;
}
