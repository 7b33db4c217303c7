// A room creating tables at once meets AWS's account-wide limit on table operations: the workshop waits and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withControlPlaneRetry } from '../../src/control-plane';
import { WorkshopError } from '../../src/errors';

const busy = () => Object.assign(new Error('Too many operations for this subscriber.'), { name: 'LimitExceededException' });

test('LimitExceededException is retried with growing waits, and every wait is said in the cell', async () => {
  const waits: number[] = [];
  const lines: string[] = [];
  let calls = 0;
  const out = await withControlPlaneRetry(
    'creating ws-att-037',
    async () => {
      calls++;
      if (calls < 3) throw busy();
      return 'created';
    },
    { sleep: async (ms) => void waits.push(ms), random: () => 0.99, log: (l) => lines.push(l) },
  );
  assert.equal(out, 'created');
  assert.equal(calls, 3);
  assert.deepEqual(waits, [3960, 7920]);
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    /^creating ws-att-037: AWS is busy with other table operations in this account \(LimitExceededException\); retrying in 4 s \(1\/7\)$/,
  );
});

test('after the last try: one plain sentence with what to do; other errors are not retried', async () => {
  let calls = 0;
  await assert.rejects(
    () =>
      withControlPlaneRetry(
        'adding GSI1',
        async () => {
          calls++;
          throw busy();
        },
        { attempts: 3, sleep: async () => {}, log: () => {} },
      ),
    (e: unknown) =>
      e instanceof WorkshopError &&
      e.code === 'CONTROL_PLANE_BUSY' &&
      /after 3 tries/.test(e.message) &&
      /re-run this cell/.test(e.fix),
  );
  assert.equal(calls, 3);
  let other = 0;
  const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
  await assert.rejects(
    () =>
      withControlPlaneRetry(
        'x',
        async () => {
          other++;
          throw denied;
        },
        { sleep: async () => {} },
      ),
    denied,
  );
  assert.equal(other, 1);
});
