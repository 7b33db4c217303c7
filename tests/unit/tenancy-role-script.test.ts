// The instructor's tenant-role script: the committed example documents are exactly what the builders produce, the
// shell script is shellcheck-clean (when shellcheck is installed) and its dry run changes nothing and prints the export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EXAMPLE_OPTIONS,
  type TenantRoleDocuments,
  exampleFileName,
  tenantRoleDocuments,
} from '../../scripts/tenant-role/generate';

const DIR = path.join(__dirname, '..', '..', 'scripts', 'tenant-role');

test("the committed *.example.json files are the builders' output (regenerate: generate.ts --examples)", () => {
  const docs = tenantRoleDocuments(EXAMPLE_OPTIONS);
  for (const name of Object.keys(docs) as (keyof TenantRoleDocuments)[]) {
    const committed = JSON.parse(fs.readFileSync(path.join(DIR, exampleFileName(name)), 'utf8'));
    assert.deepEqual(committed, docs[name], exampleFileName(name));
  }
  assert.equal(
    docs['tenant-policy.json'].Statement[0].Resource![0],
    'arn:aws:dynamodb:ap-southeast-1:123456789012:table/ws-shared',
  );
  assert.deepEqual(docs['caller-policy.json'].Statement[0].Resource, ['arn:aws:iam::123456789012:role/ws-tenant']);
});

test('deploy.sh is shellcheck-clean', (t) => {
  const probe = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    t.skip('shellcheck is not installed');
    return;
  }
  const r = spawnSync('shellcheck', [path.join(DIR, 'deploy.sh')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('deploy.sh --dry-run: no AWS call, the generated documents, and the export line', () => {
  const r = spawnSync('bash', [path.join(DIR, 'deploy.sh'), '--dry-run', '--account', '123456789012', '--table', 'ws-shared-x'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: process.env.PATH ?? '' },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /would run: aws iam create-role --role-name ws-tenant/);
  assert.match(r.stdout, /would run: aws iam put-role-policy --role-name ws-tenant --policy-name ws-tenant-shared-table/);
  assert.match(r.stdout, /table\/ws-shared-x/);
  assert.match(r.stdout, /export WORKSHOP_TENANT_ROLE_ARN=arn:aws:iam::123456789012:role\/ws-tenant/);
});
