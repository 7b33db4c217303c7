// Checkpoint 4 on a real account: the IAM evaluator must see the tenant session and the table in the same account,
// whatever that account is (DynamoDB Local's 000000000000 hid a cross-account mismatch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkshopClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { tableArn, tenantPolicy } from '../../src/tenancy/policy';
import { checkCatalogPolicy } from '../../notebooks/checks/04_multitenancy';
import { catalogReaderPolicy } from '../../notebooks/solutions/04_multitenancy';

// The evaluator-only path (aws target: no live requests are sent), so the clients carry only their config.
const onAws = { config: loadConfig({ ATTENDEE_ID: 'a1', WORKSHOP_TARGET: 'aws' }) } as WorkshopClients;

for (const accountId of ['123456789012', '987654321098']) {
  test(`checkpoint 4: the reference solution passes its own check on account ${accountId}`, async () => {
    const arn = tableArn('ws-shared', { region: 'ap-southeast-1', accountId });
    assert.deepEqual(await checkCatalogPolicy(onAws, 'ws-shared', arn, catalogReaderPolicy), []);
  });
}

test('checkpoint 4 on a real account still fails a wrong answer with the reason', async () => {
  const arn = tableArn('ws-shared', { region: 'ap-southeast-1', accountId: '123456789012' });
  const plain = await checkCatalogPolicy(onAws, 'ws-shared', arn, (a) => tenantPolicy({ tableArn: a }));
  assert.ok(plain.includes('acme reads a catalog item: DENIED, should be ALLOWED'), plain.join('\n'));
  assert.ok(!plain.some((p) => /acme reads its own item/.test(p)), plain.join('\n'));
});
