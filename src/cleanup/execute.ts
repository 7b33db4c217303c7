// Deleting (I/O): the plan re-checked against fresh facts, each table deleted and waited for until DescribeTable
// answers ResourceNotFoundException, then what remains listed.

import { DeleteTableCommand, type DynamoDBClient, waitUntilTableNotExists } from '@aws-sdk/client-dynamodb';
import type { WorkshopClients } from '../client';
import { validateAttendeeId } from '../config';
import { withControlPlaneRetry } from '../control-plane';
import { WorkshopError, translateAwsError } from '../errors';
import { describeOrUndefined, errName, errText, gatherCleanupFacts, planCleanupFor, type GatherOptions } from './facts';
import { type CleanupPlan, type KeptTable, type PlannedDeletion, SHARED_TABLE, ownTableNames, planCleanup } from './plan';

export interface WaitOptions {
  /** Give up after this long (default 5 minutes: AWS deletes a small table in seconds to a minute). */
  timeoutMs?: number;
  /** The first pause between two DescribeTable calls (default 250 ms); the SDK's waiter doubles it, up to 5 s. */
  intervalMs?: number;
}

/**
 * Waits until DescribeTable answers ResourceNotFoundException (the SDK's `waitUntilTableNotExists`, with shorter
 * delays than its 20 s default: a local table is gone at once); resolves with the seconds waited.
 */
export async function waitUntilGone(ddb: DynamoDBClient, table: string, options: WaitOptions = {}): Promise<number> {
  const t0 = Date.now();
  const minDelay = (options.intervalMs ?? 250) / 1000;
  const maxWaitTime = Math.max((options.timeoutMs ?? 300_000) / 1000, minDelay * 2);
  try {
    await waitUntilTableNotExists({ client: ddb, minDelay, maxDelay: Math.max(minDelay, 5), maxWaitTime }, { TableName: table });
  } catch (err) {
    if (errName(err) !== 'TimeoutError') throw err;
    // The waiter says only that it timed out: DescribeTable once more, for the status (or an error) to show.
    const d = await describeOrUndefined(ddb, table);
    if (d) {
      throw new WorkshopError(
        'TABLE_DELETE_TIMEOUT',
        `Table ${table} still exists (status ${d.TableStatus ?? 'unknown'}) after ${Math.round((Date.now() - t0) / 1000)} s.`,
        're-run the cleanup cell in a minute: it only waits for tables already being deleted',
      );
    }
  }
  return (Date.now() - t0) / 1000;
}

export interface CleanupResult {
  attendeeId: string;
  /** Deleted now, with the seconds until DescribeTable said ResourceNotFound. */
  deleted: { table: string; seconds: number }[];
  /** In the plan, but already gone when cleanup ran. */
  alreadyGone: string[];
  /** In the plan, but refused on re-checking (e.g. its tag changed, or it was never yours). */
  refused: KeptTable[];
  /** Tables that remain afterwards (ListTables), and whether each is yours. */
  remaining: { table: string; yours: boolean; note: string }[];
  nothingToDelete: boolean;
  /** What happened, one line each, for the notebook. */
  messages: string[];
}

export interface ExecuteOptions extends WaitOptions {
  /** Called with each message as it happens (e.g. console.log). */
  log?: (line: string) => void;
}

/**
 * Deletes the plan's tables and waits until each is gone, then lists what remains. The plan is re-checked first
 * against freshly read facts: only tables the fresh plan still deletes are deleted; the rest are refused with the
 * reason. Idempotent: tables already gone are reported, not an error.
 */
export async function executeCleanup(
  clients: WorkshopClients,
  plan: CleanupPlan,
  options: ExecuteOptions = {},
): Promise<CleanupResult> {
  const { ddb, config } = clients;
  const id = validateAttendeeId(config.attendeeId);
  if (plan.attendeeId !== id) {
    throw new WorkshopError(
      'CLEANUP_PLAN_MISMATCH',
      `This cleanup plan was made for attendee "${plan.attendeeId}", but ATTENDEE_ID is "${id}".`,
      'make the plan again with planCleanupFor(clients) and run it with the same clients',
    );
  }
  const messages: string[] = [];
  const say = (line: string) => {
    messages.push(line);
    if (options.log) options.log(line);
  };
  const result: CleanupResult = {
    attendeeId: id,
    deleted: [],
    alreadyGone: [],
    refused: [],
    remaining: [],
    nothingToDelete: false,
    messages,
  };

  const fresh = planCleanup(
    await gatherCleanupFacts(clients, { includeShared: plan.includeShared, sharedTable: plan.sharedTable }),
  );
  const freshDelete = new Map(fresh.delete.map((d) => [d.table, d]));
  const freshKeep = new Map(fresh.keep.map((k) => [k.table, k]));
  const toDelete: PlannedDeletion[] = [];
  for (const d of plan.delete) {
    const now = freshDelete.get(d.table);
    if (now) toDelete.push(now);
    else if (freshKeep.has(d.table)) {
      const k = freshKeep.get(d.table)!;
      result.refused.push(k);
      say(`refused ${d.table}: ${k.reason}`);
    } else {
      result.alreadyGone.push(d.table);
      say(`${d.table}: already gone`);
    }
  }

  if (toDelete.length === 0 && result.alreadyGone.length === 0) {
    result.nothingToDelete = true;
    say(
      `nothing to delete: none of your tables (${ownTableNames(id).join(', ')}) exists${plan.includeShared ? `, and ${plan.sharedTable} is not provably yours` : ''}`,
    );
  }

  for (const d of toDelete) {
    try {
      if (d.status !== 'DELETING') {
        say(`deleting ${d.table} …`);
        await withControlPlaneRetry(`deleting ${d.table}`, () => ddb.send(new DeleteTableCommand({ TableName: d.table })), {
          log: say,
        });
      } else {
        say(`${d.table} is already being deleted; waiting …`);
      }
      const seconds = await waitUntilGone(ddb, d.table, options);
      result.deleted.push({ table: d.table, seconds });
      say(`deleted ${d.table}: DescribeTable now answers ResourceNotFoundException`);
    } catch (err) {
      if (errName(err) === 'ResourceNotFoundException') {
        result.alreadyGone.push(d.table);
        say(`${d.table}: already gone`);
        continue;
      }
      if (errName(err) === 'ResourceInUseException') {
        // Being created or updated: AWS refuses DeleteTable until it is ACTIVE. Say so rather than spin.
        throw new WorkshopError(
          'TABLE_IN_USE',
          `${d.table} is being created or updated, so DynamoDB refused to delete it now (${errText(err)}).`,
          'wait until it is ACTIVE (a minute at most), then run cleanup again',
          { cause: err },
        );
      }
      throw translateAwsError(err, { ...config, tableName: d.table });
    }
  }

  const after = planCleanup(
    await gatherCleanupFacts(clients, { includeShared: plan.includeShared, sharedTable: plan.sharedTable }),
  );
  for (const d of after.delete) result.remaining.push({ table: d.table, yours: true, note: 'yours, still there' });
  for (const k of after.keep) result.remaining.push({ table: k.table, yours: k.yours, note: k.reason });
  result.remaining.sort((a, b) => a.table.localeCompare(b.table));
  const yoursLeft = result.remaining.filter((r) => r.yours).map((r) => r.table);
  say(
    `remaining: ${result.remaining.length} table(s)` +
      (result.remaining.length ? ` (${result.remaining.map((r) => r.table).join(', ')})` : '') +
      `; yours among them: ${yoursLeft.length ? yoursLeft.join(', ') : 'none'}`,
  );
  return result;
}

/** Plan and execute in one call (the notebook shows the plan first; scripts may not need to). */
export async function cleanup(clients: WorkshopClients, options: ExecuteOptions & GatherOptions = {}): Promise<CleanupResult> {
  const plan = await planCleanupFor(clients, options);
  return executeCleanup(clients, plan, options);
}

/**
 * Deletes ONE table of yours (e.g. the scratch table) with the same guard as cleanup: refused, with the reason,
 * unless the plan says it is yours. Resolves with false when it did not exist.
 */
export async function deleteOwnTable(clients: WorkshopClients, table: string, options: ExecuteOptions = {}): Promise<boolean> {
  const plan = await planCleanupFor(clients, { includeShared: table === SHARED_TABLE });
  const kept = plan.keep.find((k) => k.table === table);
  if (kept) {
    throw new WorkshopError(
      'CLEANUP_REFUSED',
      `Refusing to delete ${table}: ${kept.reason}.`,
      'only your own tables can be deleted',
    );
  }
  const only: CleanupPlan = { ...plan, delete: plan.delete.filter((d) => d.table === table) };
  if (only.delete.length === 0) return false;
  const res = await executeCleanup(clients, only, options);
  return res.deleted.some((d) => d.table === table);
}
