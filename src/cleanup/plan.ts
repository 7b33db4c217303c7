// Which tables cleanup deletes, and why (pure): the facts (names, status, deletion protection, tags on AWS, the shared
// table's owner record locally) in, a plan of deletions and kept tables, each with its reason, out. The rules are
// in src/cleanup.ts's header.

import { TABLE_PREFIX, type Target, validateAttendeeId } from '../config';

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
