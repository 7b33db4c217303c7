// Cleanup: delete the attendee's OWN tables, and nothing else. The guide's scripts/delete_table.sh in TypeScript,
// with the guards the script lacks.
//
//   const plan = await planCleanupFor(clients);      // ListTables (+ DescribeTable, + tags on AWS): nothing deleted
//   console.log(formatCleanupPlan(plan));             // show it before acting
//   const result = await executeCleanup(clients, plan);   // DeleteTable, wait until gone, list what remains
//
// Which tables are yours (`planCleanup`, pure):
//   - `ws-att-<ATTENDEE_ID>` (your table, notebook 00) and `ws-cost-<ATTENDEE_ID>` (the cost notebook's scratch
//     table), by EXACT name: `ws-att-03` never matches `ws-att-037`;
//   - on AWS, the name is not enough: the table must also carry the tag Owner=<ATTENDEE_ID> (ListTagsOfResource),
//     as its creator tagged it (ensureTable tags in CreateTable and never re-tags an existing table, so using
//     someone's table never makes it yours). A table with your name but no such tag is kept, with the reason;
//   - on DynamoDB Local, tags do not exist ("Tagging is not currently supported in DynamoDB Local."), so the exact
//     name is the guard (on an engine two attendees share, each one's cleanup deletes only their own names);
//   - the shared table `ws-shared` only when asked ({ includeShared: true }) AND provably yours: on AWS its Owner
//     tag; locally (no tags) an owner record inside it, the item PK=WORKSHOP#META / SK=OWNER whose `owner` is you,
//     written by whoever created it (recordSharedOwner). No record, another owner, or an unreadable table: kept.
//     Ownership that cannot be proven is never assumed;
//   - a table of yours with deletion protection on is kept: turning protection off is a deliberate, separate step;
//   - every other table is kept, with the reason.
//
// `executeCleanup` does not trust the plan it is given: it re-reads the tables and re-plans, and deletes only what
// the fresh plan still says is yours. It is idempotent: a second run finds nothing and says so.
//

import {
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  PutItemCommand,
  type TableDescription,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import type { WorkshopClients } from './client';
import { TABLE_PREFIX, type Target, validateAttendeeId } from './config';
import { WorkshopError, translateAwsError } from './errors';
import { withControlPlaneRetry } from './control-plane';

export const SHARED_TABLE = 'ws-shared';
/** The cost notebook's short-lived measuring table: `ws-cost-<ATTENDEE_ID>`. */
export const SCRATCH_PREFIX = 'ws-cost-';
export const OWNER_TAG = 'Owner';
/** Locally (no tags), the owner of the shared table is recorded in this item of the table itself. */
export const SHARED_OWNER_KEY = { PK: 'WORKSHOP#META', SK: 'OWNER' } as const;

/** What cleanup knows about one table. Only candidate tables (yours by name, the shared table) get details. */
export interface TableFacts {
  name: string;
  /** TableStatus from DescribeTable (ACTIVE, DELETING, …). */
  status?: string;
  deletionProtection?: boolean;
  /** AWS only: the table's tags. Undefined when not read. */
  tags?: Record<string, string>;
  /** AWS only: why the tags could not be read (e.g. AccessDenied). */
  tagError?: string;
  /** Locally, for the shared table: the owner recorded in it (SHARED_OWNER_KEY); undefined when none. */
  ownerRecord?: string;
  /** Why the owner record could not be read. */
  ownerRecordError?: string;
}

export interface CleanupFacts {
  attendeeId: string;
  target: Target;
  tables: TableFacts[];
  /** Also consider the shared table (deleted only when provably yours). Default false. */
  includeShared?: boolean;
  sharedTable?: string;
}

export interface PlannedDeletion {
  table: string;
  reason: string;
  status?: string;
}

export interface KeptTable {
  table: string;
  reason: string;
  /** Proven to be yours (kept for another reason, e.g. deletion protection). */
  yours: boolean;
}

export interface CleanupPlan {
  attendeeId: string;
  target: Target;
  includeShared: boolean;
  sharedTable: string;
  /** Your tables, each with why cleanup may delete it. */
  delete: PlannedDeletion[];
  /** Everything else, each with why it is kept. */
  keep: KeptTable[];
}

/** The names that can be yours: `ws-att-<id>` and `ws-cost-<id>`. */
export function ownTableNames(attendeeId: string): string[] {
  const id = validateAttendeeId(attendeeId);
  return [`${TABLE_PREFIX}${id}`, `${SCRATCH_PREFIX}${id}`];
}

function describeOwnerTag(tags: Record<string, string> | undefined): string {
  if (!tags) return 'tags unknown';
  const v = tags[OWNER_TAG];
  return v === undefined ? `no ${OWNER_TAG} tag` : `tagged ${OWNER_TAG}=${v}`;
}

/** On AWS: proof of ownership is the tag Owner=<id>. Returns the reason it is missing, or undefined when proven. */
function awsOwnershipProblem(t: TableFacts, id: string): string | undefined {
  if (t.tagError) return `its tags could not be read (${t.tagError}); nothing is deleted without proof of ownership`;
  if (!t.tags) return 'its tags were not read; nothing is deleted without proof of ownership';
  if (t.tags[OWNER_TAG] !== id) return `it is not tagged ${OWNER_TAG}=${id} (${describeOwnerTag(t.tags)})`;
  return undefined;
}

function otherAttendee(name: string): string | undefined {
  for (const prefix of [TABLE_PREFIX, SCRATCH_PREFIX]) {
    if (name.startsWith(prefix) && name.length > prefix.length) return name.slice(prefix.length);
  }
  return undefined;
}

/**
 * Decides, for every listed table, whether cleanup deletes it or keeps it, and why. Pure: the facts (names,
 * status, deletion protection, tags on AWS, the shared table's owner record locally) are its only input.
 */
export function planCleanup(facts: CleanupFacts): CleanupPlan {
  const id = validateAttendeeId(facts.attendeeId);
  const target = facts.target;
  const includeShared = facts.includeShared === true;
  const sharedTable = facts.sharedTable ?? SHARED_TABLE;
  const [mainName, scratchName] = ownTableNames(id);
  const plan: CleanupPlan = { attendeeId: id, target, includeShared, sharedTable, delete: [], keep: [] };
  const seen = new Set<string>();

  for (const t of facts.tables) {
    if (seen.has(t.name)) continue;
    seen.add(t.name);
    const keep = (reason: string, yours = false) => plan.keep.push({ table: t.name, reason, yours });
    const del = (reason: string) =>
      plan.delete.push({ table: t.name, reason, ...(t.status !== undefined ? { status: t.status } : {}) });

    if (t.name === mainName || t.name === scratchName) {
      const what = t.name === mainName ? 'your workshop table' : "your cost notebook's scratch table";
      let proof: string;
      if (target === 'aws') {
        const problem = awsOwnershipProblem(t, id);
        if (problem) {
          keep(
            `named like ${what}, but ${problem}: on AWS cleanup deletes only tables tagged ${OWNER_TAG}=${id} — ask the instructor`,
          );
          continue;
        }
        proof = `name ${t.name} and tag ${OWNER_TAG}=${id}`;
      } else {
        proof = `exact name ${t.name} (DynamoDB Local has no tags: the name is the guard)`;
      }
      if (t.deletionProtection) {
        keep(
          `${what}, but deletion protection is on: turn it off deliberately ` +
            `(UpdateTable DeletionProtectionEnabled=false), then run cleanup again`,
          true,
        );
        continue;
      }
      del(`${what}: ${proof}${t.status === 'DELETING' ? '; already DELETING' : ''}`);
      continue;
    }

    if (t.name === sharedTable) {
      if (!includeShared) {
        keep(`the shared table: kept unless you pass { includeShared: true } (and own it)`);
        continue;
      }
      let problem: string | undefined;
      let proof = '';
      if (target === 'aws') {
        problem = awsOwnershipProblem(t, id);
        proof = `tag ${OWNER_TAG}=${id}`;
      } else if (t.ownerRecordError) {
        problem = `its owner record could not be read (${t.ownerRecordError})`;
      } else if (t.ownerRecord === undefined) {
        problem = `it holds no owner record (${SHARED_OWNER_KEY.PK} / ${SHARED_OWNER_KEY.SK}); locally there are no tags, so nothing proves it is yours`;
      } else if (t.ownerRecord !== id) {
        problem = `its owner record says ${t.ownerRecord}`;
      } else {
        proof = `owner record ${SHARED_OWNER_KEY.PK} / ${SHARED_OWNER_KEY.SK} = ${id} (DynamoDB Local has no tags)`;
      }
      if (problem) {
        keep(`the shared table, not provably yours: ${problem}`);
        continue;
      }
      if (t.deletionProtection) {
        keep('the shared table is yours, but deletion protection is on: turn it off deliberately first', true);
        continue;
      }
      del(`the shared table, yours: ${proof}`);
      continue;
    }

    const other = otherAttendee(t.name);
    if (other !== undefined) {
      keep(`belongs to attendee "${other}", not to you ("${id}")`);
      continue;
    }
    keep(`not a workshop table of yours: cleanup only deletes ${mainName}, ${scratchName} and, when asked, ${sharedTable}`);
  }
  plan.delete.sort((a, b) => a.table.localeCompare(b.table));
  plan.keep.sort((a, b) => a.table.localeCompare(b.table));
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the facts (I/O)

function errName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

function errText(err: unknown): string {
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

async function describeOrUndefined(ddb: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
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

// ---------------------------------------------------------------------------------------------------------------
// Deleting (I/O)

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface WaitOptions {
  /** Give up after this long (default 5 minutes: AWS deletes a small table in seconds to a minute). */
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls DescribeTable until ResourceNotFoundException; resolves with the seconds waited. */
export async function waitUntilGone(ddb: DynamoDBClient, table: string, options: WaitOptions = {}): Promise<number> {
  const t0 = Date.now();
  const deadline = t0 + (options.timeoutMs ?? 300_000);
  let interval = options.intervalMs ?? 250;
  for (;;) {
    const d = await describeOrUndefined(ddb, table);
    if (!d) return (Date.now() - t0) / 1000;
    if (Date.now() > deadline) {
      throw new WorkshopError(
        'TABLE_DELETE_TIMEOUT',
        `Table ${table} still exists (status ${d.TableStatus ?? 'unknown'}) after ${Math.round((Date.now() - t0) / 1000)} s.`,
        're-run the cleanup cell in a minute: it only waits for tables already being deleted',
      );
    }
    await sleep(interval);
    interval = Math.min(interval * 2, 5_000);
  }
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

// ---------------------------------------------------------------------------------------------------------------
// Text for the notebook

/** The plan, one line per table: DELETE first, then keep, each with the reason. */
export function formatCleanupPlan(plan: CleanupPlan): string {
  const width = Math.max(8, ...plan.delete.map((d) => d.table.length), ...plan.keep.map((k) => k.table.length));
  const out = [
    `cleanup plan for attendee "${plan.attendeeId}" on ${plan.target === 'aws' ? `AWS (ownership = tag ${OWNER_TAG}=${plan.attendeeId})` : 'DynamoDB Local (ownership = exact name)'}` +
      `${plan.includeShared ? `, including ${plan.sharedTable} if provably yours` : ''}:`,
  ];
  if (plan.delete.length === 0) out.push('  nothing to delete');
  for (const d of plan.delete) out.push(`  DELETE ${d.table.padEnd(width)}  ${d.reason}`);
  for (const k of plan.keep) out.push(`  keep   ${k.table.padEnd(width)}  ${k.reason}`);
  return out.join('\n');
}
