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
// The module notebooks import (`./workshop/cleanup`); the code is in src/cleanup/: plan.ts (the rules above, pure, and
// the plan as text), facts.ts (reading the tables, recording the shared table's owner), execute.ts (deleting, waiting).

export {
  type CleanupFacts,
  type CleanupPlan,
  formatCleanupPlan,
  type KeptTable,
  OWNER_TAG,
  ownTableNames,
  planCleanup,
  type PlannedDeletion,
  SCRATCH_PREFIX,
  SHARED_OWNER_KEY,
  SHARED_TABLE,
  type TableFacts,
} from './cleanup/plan';
export {
  gatherCleanupFacts,
  type GatherOptions,
  listAllTables,
  planCleanupFor,
  readTags,
  recordSharedOwner,
} from './cleanup/facts';
export {
  cleanup,
  type CleanupResult,
  deleteOwnTable,
  executeCleanup,
  type ExecuteOptions,
  type WaitOptions,
  waitUntilGone,
} from './cleanup/execute';
