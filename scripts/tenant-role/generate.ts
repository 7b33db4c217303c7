// The tenant role's IAM documents, from the same pure builders the notebook prints and the local enforcer
// evaluates (src/tenancy/policy.ts), so what AWS enforces and what the workshop teaches cannot drift apart.
//
//   npx tsx scripts/tenant-role/generate.ts --account 123456789012 [--region ap-southeast-1] [--table ws-shared]
//        [--role ws-tenant] [--principal-arn-pattern ARN] [--out DIR]
//   npx tsx scripts/tenant-role/generate.ts --examples     # rewrites the *.example.json files beside this script
//
// Without --out, prints the three documents as one JSON object.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_TENANT_ROLE_NAME,
  type PolicyDocument,
  tableArn,
  tenantPolicy,
  tenantRoleCallerPolicy,
  tenantTrustPolicy,
} from '../../src/tenancy/policy';
import { DEFAULT_SHARED_TABLE } from '../../src/tenancy/keys';

export interface TenantRoleDocuments {
  'tenant-policy.json': PolicyDocument;
  'trust-policy.json': PolicyDocument;
  'caller-policy.json': PolicyDocument;
}

export interface GenerateOptions {
  accountId: string;
  region: string;
  table: string;
  role: string;
  principalArnPattern?: string;
}

export const EXAMPLE_OPTIONS: GenerateOptions = {
  accountId: '123456789012',
  region: 'ap-southeast-1',
  table: DEFAULT_SHARED_TABLE,
  role: DEFAULT_TENANT_ROLE_NAME,
};

export function tenantRoleDocuments(o: GenerateOptions): TenantRoleDocuments {
  return {
    'tenant-policy.json': tenantPolicy({ tableArn: tableArn(o.table, { region: o.region, accountId: o.accountId }) }),
    'trust-policy.json': tenantTrustPolicy({ accountId: o.accountId, principalArnPattern: o.principalArnPattern }),
    'caller-policy.json': tenantRoleCallerPolicy({ roleArn: `arn:aws:iam::${o.accountId}:role/${o.role}` }),
  };
}

export function exampleFileName(name: keyof TenantRoleDocuments): string {
  return name.replace(/\.json$/, '.example.json');
}

function write(dir: string, docs: TenantRoleDocuments, rename: (n: keyof TenantRoleDocuments) => string = (n) => n): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(docs) as (keyof TenantRoleDocuments)[]) {
    fs.writeFileSync(path.join(dir, rename(name)), `${JSON.stringify(docs[name], null, 2)}\n`);
  }
}

function main(argv: string[]): number {
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(0, 9).join('\n'));
    return 0;
  }
  if (argv.includes('--examples')) {
    write(__dirname, tenantRoleDocuments(EXAMPLE_OPTIONS), exampleFileName);
    return 0;
  }
  const accountId = opt('--account');
  if (!accountId || !/^\d{12}$/.test(accountId)) {
    console.error('generate.ts: --account <12-digit AWS account id> is required (see --help)');
    return 2;
  }
  const docs = tenantRoleDocuments({
    accountId,
    region: opt('--region') ?? process.env.AWS_REGION ?? 'ap-southeast-1',
    table: opt('--table') ?? process.env.WORKSHOP_SHARED_TABLE ?? DEFAULT_SHARED_TABLE,
    role: opt('--role') ?? DEFAULT_TENANT_ROLE_NAME,
    principalArnPattern: opt('--principal-arn-pattern'),
  });
  const out = opt('--out');
  if (out) write(out, docs);
  else console.log(JSON.stringify(docs, null, 2));
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
