import { type ArnContext, LOCAL_ACCOUNT_ID, tableArn } from './policy';
import { recordSharedOwner } from '../cleanup';
import type { WorkshopClients } from '../client';
import { maskAccount } from '../identity';
import { type EnsureGsiResult, type EnsureTableResult, ensureGsi, ensureTable } from '../table';
import { sharedTableName, TENANT_GSI } from './keys';

/**
 * Section 4's set-up in one call: the shared multi-tenant table and its tenant-prefixed GSI, ready to use. What the
 * notebook's first cell used to spell out (and what an attendee need not read to follow the lesson).
 */

export interface SharedTable {
  /** The shared table's name (WORKSHOP_SHARED_TABLE, else ws-shared). */
  tableName: string;
  /** The tenant-prefixed GSI (GSI1PK = TENANT#<tid>#STATUS#<status>). */
  indexName: string;
  /**
   * The ARN the tenant policy names: the real one on AWS; locally the same shape in the configured region with the
   * local account id (the engine itself says "ddblocal").
   */
  tableArn: string;
  table: EnsureTableResult;
  gsi: EnsureGsiResult;
  /** Text fit for an executed notebook that may be shared: on AWS, account ids masked. */
  shown(text: string): string;
  /** One line per fact: the table, its GSI, the endpoint, who owns it. */
  summary: string[];
}

/**
 * Creates (or reuses) the shared table and its GSI and waits until both are ACTIVE. Whoever creates the shared table
 * owns it — on AWS the Owner tag of CreateTable, locally an owner record — and 06_cleanup deletes it only for its
 * owner. Safe to run again.
 */
export async function openSharedTable(
  clients: WorkshopClients,
  options: { tableName?: string; env?: Record<string, string | undefined> } = {},
): Promise<SharedTable> {
  const { config } = clients;
  const name = options.tableName ?? sharedTableName(options.env);
  const table = await ensureTable(clients, { tableName: name });
  if (table.created && config.target === 'local') await recordSharedOwner(clients, config.attendeeId, name);
  const gsi = await ensureGsi(clients, { indexName: TENANT_GSI, partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }, { tableName: name });
  const local: ArnContext = { region: config.region, accountId: LOCAL_ACCOUNT_ID };
  const arn = config.target === 'aws' && table.arn ? table.arn : tableArn(name, local);
  const shown = (text: string): string => (config.target === 'aws' ? maskAccount(text) : text);
  return {
    tableName: name,
    indexName: gsi.indexName,
    tableArn: arn,
    table,
    gsi,
    shown,
    summary: [
      `shared table ${name} and its GSI ${gsi.indexName} (${gsi.status}) on ${clients.endpoint}`,
      `owner: ${table.ownership}`,
    ],
  };
}
