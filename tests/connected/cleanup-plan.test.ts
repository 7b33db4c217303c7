// planCleanup is pure: these tests need no engine. They cover the AWS path (ownership = the Owner tag, read with
// ListTagsOfResource and injected here as data) that DynamoDB Local cannot exercise, since it has no tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CleanupFacts, type TableFacts, formatCleanupPlan, ownTableNames, planCleanup } from '../../src/cleanup';
import { WorkshopError } from '../../src/errors';
import { loadConfig } from '../../src/config';

const aws = (tables: TableFacts[], extra: Partial<CleanupFacts> = {}): CleanupFacts => ({
  attendeeId: 'me',
  target: 'aws',
  tables,
  ...extra,
});
const local = (tables: TableFacts[], extra: Partial<CleanupFacts> = {}): CleanupFacts => ({
  attendeeId: 'me',
  target: 'local',
  tables,
  ...extra,
});
const reasonFor = (plan: ReturnType<typeof planCleanup>, table: string) => plan.keep.find((k) => k.table === table)?.reason ?? '';

test('AWS: your name AND tag Owner=<id> is deleted; your name without that tag is kept, with the reason', () => {
  const plan = planCleanup(
    aws([
      { name: 'ws-att-me', status: 'ACTIVE', tags: { Owner: 'me' } },
      { name: 'ws-cost-me', status: 'ACTIVE', tags: {} },
    ]),
  );
  assert.deepEqual(
    plan.delete.map((d) => d.table),
    ['ws-att-me'],
  );
  assert.match(plan.delete[0].reason, /name ws-att-me and tag Owner=me/);
  assert.deepEqual(
    plan.keep.map((k) => [k.table, k.yours]),
    [['ws-cost-me', false]],
  );
  assert.match(reasonFor(plan, 'ws-cost-me'), /not tagged Owner=me \(no Owner tag\).*ask the instructor/);
});

test('AWS: a ws-att-<id> table tagged for someone else, or whose tags cannot be read, is kept', () => {
  const plan = planCleanup(
    aws([
      { name: 'ws-att-me', status: 'ACTIVE', tags: { Owner: 'instructor', Project: 'ws' } },
      { name: 'ws-cost-me', status: 'ACTIVE', tagError: 'AccessDeniedException: not authorized to ListTagsOfResource' },
    ]),
  );
  assert.deepEqual(plan.delete, []);
  assert.match(reasonFor(plan, 'ws-att-me'), /not tagged Owner=me \(tagged Owner=instructor\)/);
  assert.match(
    reasonFor(plan, 'ws-cost-me'),
    /tags could not be read \(AccessDeniedException.*\); nothing is deleted without proof of ownership/,
  );
  // Facts that never read the tags prove nothing either.
  assert.match(reasonFor(planCleanup(aws([{ name: 'ws-att-me' }])), 'ws-att-me'), /tags were not read/);
});

test('the name must match exactly: ws-att-me2 and ws-att-m belong to other attendees', () => {
  for (const facts of [aws, local]) {
    const plan = planCleanup(
      facts([
        { name: 'ws-att-me2', tags: { Owner: 'me' } },
        { name: 'ws-att-m', tags: { Owner: 'me' } },
        { name: 'ws-att-other', tags: { Owner: 'other' } },
        { name: 'ws-cost-other' },
        { name: 'unrelated-table' },
      ]),
    );
    assert.deepEqual(plan.delete, [], `${plan.target}: nothing of these is yours`);
    assert.match(reasonFor(plan, 'ws-att-me2'), /belongs to attendee "me2", not to you \("me"\)/);
    assert.match(reasonFor(plan, 'ws-att-other'), /belongs to attendee "other"/);
    assert.match(reasonFor(plan, 'ws-cost-other'), /belongs to attendee "other"/);
    assert.match(reasonFor(plan, 'unrelated-table'), /not a workshop table of yours: cleanup only deletes ws-att-me, ws-cost-me/);
    assert.ok(plan.keep.every((k) => !k.yours));
  }
});

test('the shared table: kept unless asked; when asked, deleted only when provably yours', () => {
  const shared = (t: Partial<TableFacts>) => ({ name: 'ws-shared', status: 'ACTIVE', ...t });
  assert.match(
    reasonFor(planCleanup(aws([shared({ tags: { Owner: 'me' } })])), 'ws-shared'),
    /kept unless you pass \{ includeShared: true \}/,
  );
  // AWS: the Owner tag decides.
  assert.deepEqual(
    planCleanup(aws([shared({ tags: { Owner: 'me' } })], { includeShared: true })).delete.map((d) => d.table),
    ['ws-shared'],
  );
  assert.match(
    reasonFor(planCleanup(aws([shared({ tags: { Owner: 'instructor' } })], { includeShared: true })), 'ws-shared'),
    /not provably yours: it is not tagged Owner=me \(tagged Owner=instructor\)/,
  );
  // An owner record inside the table counts for nothing on AWS: only tags do.
  assert.equal(planCleanup(aws([shared({ tags: {}, ownerRecord: 'me' })], { includeShared: true })).delete.length, 0);
  // Local: the owner record decides; no record, another owner, or an unreadable one keeps it.
  const l = (t: Partial<TableFacts>) => planCleanup(local([shared(t)], { includeShared: true }));
  assert.deepEqual(
    l({ ownerRecord: 'me' }).delete.map((d) => d.table),
    ['ws-shared'],
  );
  assert.match(l({ ownerRecord: 'me' }).delete[0].reason, /owner record WORKSHOP#META \/ OWNER = me/);
  assert.match(reasonFor(l({}), 'ws-shared'), /holds no owner record/);
  assert.match(reasonFor(l({ ownerRecord: 'instructor' }), 'ws-shared'), /owner record says instructor/);
  assert.match(reasonFor(l({ ownerRecordError: 'ValidationException: key schema' }), 'ws-shared'), /could not be read/);
  assert.match(reasonFor(planCleanup(local([shared({ ownerRecord: 'me' })])), 'ws-shared'), /kept unless you pass/);
});

test('local: the exact name is the guard (DynamoDB Local has no tags)', () => {
  const plan = planCleanup(
    local([
      { name: 'ws-att-me', status: 'ACTIVE' },
      { name: 'ws-cost-me', status: 'DELETING' },
    ]),
  );
  assert.deepEqual(
    plan.delete.map((d) => [d.table, d.status]),
    [
      ['ws-att-me', 'ACTIVE'],
      ['ws-cost-me', 'DELETING'],
    ],
  );
  assert.match(plan.delete[0].reason, /exact name ws-att-me \(DynamoDB Local has no tags: the name is the guard\)/);
  assert.match(plan.delete[1].reason, /already DELETING/);
});

test('deletion protection: your table is kept (marked yours) until protection is turned off deliberately', () => {
  for (const plan of [
    planCleanup(local([{ name: 'ws-att-me', deletionProtection: true }])),
    planCleanup(aws([{ name: 'ws-att-me', deletionProtection: true, tags: { Owner: 'me' } }])),
  ]) {
    assert.deepEqual(plan.delete, []);
    assert.deepEqual(
      plan.keep.map((k) => [k.table, k.yours]),
      [['ws-att-me', true]],
    );
    assert.match(
      plan.keep[0].reason,
      /deletion protection is on: turn it off deliberately \(UpdateTable DeletionProtectionEnabled=false\)/,
    );
  }
});

test('an unset ATTENDEE_ID is a clear error, from loadConfig and from the plan', () => {
  for (const fn of [() => loadConfig({}), () => planCleanup(local([], { attendeeId: '' })), () => ownTableNames('  ')]) {
    assert.throws(
      fn,
      (err: unknown) =>
        err instanceof WorkshopError && err.code === 'ATTENDEE_ID_UNSET' && /export ATTENDEE_ID=/.test(err.message),
    );
  }
  assert.throws(() => planCleanup(local([], { attendeeId: 'a b' })), /cannot be part of a table name/);
});

test('formatCleanupPlan: DELETE lines first, then keep, each with its reason', () => {
  const plan = planCleanup(
    local([{ name: 'unrelated-table' }, { name: 'ws-att-me', status: 'ACTIVE' }, { name: 'ws-att-someone-else' }]),
  );
  const text = formatCleanupPlan(plan);
  const lines = text.split('\n');
  assert.equal(lines[0], 'cleanup plan for attendee "me" on DynamoDB Local (ownership = exact name):');
  assert.match(lines[1], /^ {2}DELETE ws-att-me {12}your workshop table: exact name ws-att-me/);
  assert.match(lines[2], /^ {2}keep {3}unrelated-table {6}not a workshop table of yours/);
  assert.match(lines[3], /^ {2}keep {3}ws-att-someone-else {2}belongs to attendee "someone-else"/);
  assert.match(formatCleanupPlan(planCleanup(aws([]))), /on AWS \(ownership = tag Owner=me\):\n {2}nothing to delete$/);
});
