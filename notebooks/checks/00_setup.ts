// The check behind 00_setup.ipynb's checkpoint: the attendee's table exists and is ACTIVE, as the next notebooks use it.
import type { WorkshopClients } from '../workshop/client';
import { describeTable } from '../workshop/table';

export async function checkTableReady(clients: WorkshopClients, tableName: string): Promise<string[]> {
  const t = await describeTable(clients.ddb, tableName);
  if (!t) return [`table ${tableName} does not exist`];
  if (t.TableStatus !== 'ACTIVE') return [`table ${tableName} is ${t.TableStatus}, not ACTIVE`];
  return [];
}
