// The check behind 04_multitenancy.ipynb's checkpoint: the attendee's policy goes through the same IAM evaluator
// that guards the local target, request by request; on the local target it is then enforced live on a tenant client.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WorkshopClients } from '../workshop/client';
import { assumedRoleArn, indexArn, LOCAL_ACCOUNT_ID } from '../workshop/tenancy/policy';
import { simulateRequest } from '../workshop/local/enforcer';
import { tenantClients } from '../workshop/tenancy/clients';
import { TENANT_GSI } from '../workshop/tenancy/keys';
import type { CatalogPolicy } from '../solutions/04_multitenancy';

export const CATALOG_KEY = { PK: 'CATALOG#plans', SK: 'PLAN#basic' };

const A = 'TENANT#acme#USER#u1';
const B = 'TENANT#globex#USER#u1';
const CAT = CATALOG_KEY.PK;

interface Case {
  what: string;
  tenant: string;
  action: string;
  keys: string[];
  index?: boolean;
  allowed: boolean;
}

const CASES: Case[] = [
  { what: 'acme reads its own item', tenant: 'acme', action: 'GetItem', keys: [A], allowed: true },
  { what: 'acme queries its own collection', tenant: 'acme', action: 'Query', keys: [A], allowed: true },
  {
    what: 'acme queries its own orders on the GSI',
    tenant: 'acme',
    action: 'Query',
    keys: ['TENANT#acme#STATUS#PENDING'],
    index: true,
    allowed: true,
  },
  { what: 'acme writes its own item', tenant: 'acme', action: 'PutItem', keys: [A], allowed: true },
  { what: 'acme deletes its own item', tenant: 'acme', action: 'DeleteItem', keys: [A], allowed: true },
  { what: 'acme reads a catalog item', tenant: 'acme', action: 'GetItem', keys: [CAT], allowed: true },
  { what: 'acme queries the catalog', tenant: 'acme', action: 'Query', keys: [CAT], allowed: true },
  {
    what: 'acme batch-reads its own item AND a catalog item',
    tenant: 'acme',
    action: 'BatchGetItem',
    keys: [A, CAT],
    allowed: true,
  },
  { what: 'globex reads its own item (one policy, every tenant)', tenant: 'globex', action: 'GetItem', keys: [B], allowed: true },
  { what: 'acme writes to the catalog', tenant: 'acme', action: 'PutItem', keys: [CAT], allowed: false },
  { what: 'acme updates the catalog', tenant: 'acme', action: 'UpdateItem', keys: [CAT], allowed: false },
  { what: 'acme deletes from the catalog', tenant: 'acme', action: 'DeleteItem', keys: [CAT], allowed: false },
  {
    what: 'acme batch-writes its own item AND a catalog item',
    tenant: 'acme',
    action: 'BatchWriteItem',
    keys: [A, CAT],
    allowed: false,
  },
  { what: "acme reads globex's item", tenant: 'acme', action: 'GetItem', keys: [B], allowed: false },
  {
    what: "acme batch-reads the catalog AND globex's item",
    tenant: 'acme',
    action: 'BatchGetItem',
    keys: [CAT, B],
    allowed: false,
  },
  {
    what: 'acme reads a lookalike tenant (acmecorp)',
    tenant: 'acme',
    action: 'GetItem',
    keys: ['TENANT#acmecorp#USER#u1'],
    allowed: false,
  },
  { what: 'acme scans the table', tenant: 'acme', action: 'Scan', keys: [], allowed: false },
  { what: 'acme sends a request without leading keys', tenant: 'acme', action: 'GetItem', keys: [], allowed: false },
];

/** Problems with a catalog-reader policy builder; [] when it passes. */
export async function checkCatalogPolicy(
  clients: WorkshopClients,
  tableName: string,
  tableArn: string,
  build: CatalogPolicy,
): Promise<string[]> {
  const problems: string[] = [];
  const policy = build(tableArn);
  if (policy?.Version !== '2012-10-17' || !Array.isArray(policy.Statement)) {
    return ['the policy needs Version "2012-10-17" and a Statement array'];
  }
  const actions = policy.Statement.reduce<string[]>((a, s) => a.concat(s.Action ?? []), []);
  if (actions.some((a) => a.includes('*'))) problems.push('no wildcard actions: list the item actions you need');
  if (actions.includes('dynamodb:Scan')) problems.push('no dynamodb:Scan: a Scan carries no leading keys');
  const text = JSON.stringify(policy);
  if (!text.includes('${aws:PrincipalTag/TenantId}'))
    problems.push('use the session tag: TENANT#${aws:PrincipalTag/TenantId}#* (single quotes in TypeScript)');
  // The tenant session lives in the table's account (a real account on AWS, 000000000000 on DynamoDB Local).
  const accountId = tableArn.split(':')[4] || LOCAL_ACCOUNT_ID;
  for (const c of CASES) {
    let allowed: boolean;
    try {
      allowed = (
        await simulateRequest({
          policy,
          principalArn: assumedRoleArn(accountId, 'ws-tenant', `${c.tenant}.check`),
          tenantId: c.tenant,
          action: `dynamodb:${c.action}`,
          resource: c.index ? indexArn(tableArn, TENANT_GSI) : tableArn,
          leadingKeys: c.keys,
          accountId,
        })
      ).allowed;
    } catch (err) {
      return [...problems, err instanceof Error ? err.message : String(err)];
    }
    if (allowed !== c.allowed)
      problems.push(`${c.what}: ${allowed ? 'ALLOWED' : 'DENIED'}, should be ${c.allowed ? 'ALLOWED' : 'DENIED'}`);
  }
  // Locally, the same policy is then enforced on a live tenant client.
  if (problems.length === 0 && clients.config.target === 'local') {
    const acme = await tenantClients(clients, 'acme', { tableName, policy });
    try {
      const got = await acme.doc.send(new GetCommand({ TableName: tableName, Key: CATALOG_KEY }));
      if (!got.Item) problems.push(`live: acme read ${CATALOG_KEY.PK} but found nothing (run the seeding cell)`);
      const write = await acme.doc.send(new PutCommand({ TableName: tableName, Item: { ...CATALOG_KEY, price: 0 } })).then(
        () => 'ALLOWED',
        (e: { name?: string }) => e.name ?? 'error',
      );
      if (write !== 'AccessDeniedException')
        problems.push(`live: acme's write to the catalog was ${write}, should be AccessDeniedException`);
    } finally {
      acme.ddb.destroy();
    }
  }
  return problems;
}
