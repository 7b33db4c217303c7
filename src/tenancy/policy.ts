import { WorkshopError } from '../errors';
import { validateTenantId } from './keys';

/**
 * The IAM documents of the pooled model (pure): the tenant role's permissions policy on the shared table, a
 * deliberately careless variant for the notebook's pitfall, and the role's trust policy. Grammar per the IAM JSON
 * policy reference (Version 2012-10-17; Statement of Sid/Effect/Principal/Action/Resource/Condition; condition
 * operators such as ForAllValues:StringLike and Null; policy variables written `${aws:PrincipalTag/TenantId}`).
 *
 * Why each choice (AWS sources in the notebook's lecture notes):
 * - `ForAllValues:StringLike` on `dynamodb:LeadingKeys`: LeadingKeys is multi-valued (a BatchGetItem carries every
 *   key's partition key), so a set operator is required; ForAllValues demands that EVERY partition key touched
 *   matches `TENANT#<own tag>#*` — one foreign key in a batch denies the whole call.
 * - ForAllValues is vacuously true when the request has no LeadingKeys at all (a Scan, a PartiQL statement, a
 *   control-plane call). AWS's IAM guide says to pair ForAllValues in an Allow with `Null: false` on the same key.
 *   We do both: Scan is not among the actions (least privilege), and `"Null": {"dynamodb:LeadingKeys": "false"}`
 *   refuses any request without leading keys even if someone later adds an action that carries none.
 * - The GSI is covered (`…/index/*`) rather than excluded because every GSI partition key of the shared table is
 *   tenant-prefixed too (`TENANT#<tid>#STATUS#…`), so the same condition scopes index Queries. A GSI whose
 *   partition key is NOT tenant-prefixed must be left out of Resource: the Sid says so.
 * - The tenant comes from the session tag (ABAC): one role and one policy serve every tenant.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS?: string | string[]; Service?: string | string[] } | '*';
  Action: string[];
  Resource?: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export const POLICY_VERSION = '2012-10-17' as const;
export const TENANT_TAG_KEY = 'TenantId';
/** The policy variable (single quotes: in a TS template literal `${…}` would be interpolated by TypeScript). */
export const TENANT_TAG_VARIABLE = '${aws:PrincipalTag/TenantId}';
/** What one tenant's partition keys look like to IAM. */
export const TENANT_LEADING_KEY_PATTERN = `TENANT#${TENANT_TAG_VARIABLE}#*`;
export const DEFAULT_TENANT_ROLE_NAME = 'ws-tenant';
/** DynamoDB Local's account id; used for the local principal and ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * Least privilege for a tenant's application code: item reads and writes, batch and transactional variants
 * (transactions are authorised per item through these same actions, plus ConditionCheckItem). No Scan, no
 * PartiQL, no control plane.
 */
export const TENANT_DATA_ACTIONS: readonly string[] = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

export interface ArnContext {
  region: string;
  accountId: string;
  partition?: string;
}

export function tableArn(tableName: string, ctx: ArnContext): string {
  return `arn:${ctx.partition ?? 'aws'}:dynamodb:${ctx.region}:${ctx.accountId}:table/${tableName}`;
}

/** `…:table/<name>/index/<index>`; `*` covers every index of the table. */
export function indexArn(tableArnValue: string, indexName = '*'): string {
  return `${tableArnValue}/index/${indexName}`;
}

/** The table's name from its ARN (`arn:aws:dynamodb:r:a:table/ws-shared` → `ws-shared`). */
export function tableNameOfArn(arn: string): string {
  const m = /:table\/([^/]+)/.exec(arn);
  if (!m)
    throw new WorkshopError('ARN_INVALID', `${arn} is not a DynamoDB table ARN.`, 'use ws.tableArn(name, { region, accountId })');
  return m[1];
}

export interface TenantPolicyOptions {
  tableArn: string;
  /** Cover the table's GSIs (default true: every GSI of the shared table is tenant-prefixed). */
  includeIndexes?: boolean;
}

/** The tenant role's permissions policy: the one the workshop deploys and enforces. */
export function tenantPolicy(options: TenantPolicyOptions): PolicyDocument {
  const includeIndexes = options.includeIndexes ?? true;
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        // Sids allow only [A-Za-z0-9]: the reason for the Resource list is spelled into the name.
        Sid: includeIndexes ? 'OwnTenantItemsTableAndTenantPrefixedGSIs' : 'OwnTenantItemsTableOnlyGSIsNotTenantPrefixed',
        Effect: 'Allow',
        Action: [...TENANT_DATA_ACTIONS],
        Resource: includeIndexes ? [options.tableArn, indexArn(options.tableArn)] : [options.tableArn],
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TENANT_LEADING_KEY_PATTERN] },
          // ForAllValues is true for an empty set: without this, a request with no leading keys would pass.
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ],
  };
}

/**
 * The pitfall, on purpose: Scan added "so the admin page works", and no Null guard. A Scan carries no
 * dynamodb:LeadingKeys, ForAllValues over an empty set is true, and the tenant reads every tenant's items.
 */
export function carelessTenantPolicy(options: TenantPolicyOptions): PolicyDocument {
  const p = tenantPolicy(options);
  const s = p.Statement[0];
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'CarelessTenantItemsPlusScanNoNullGuard',
        Effect: 'Allow',
        Action: [...s.Action, 'dynamodb:Scan'],
        Resource: s.Resource,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TENANT_LEADING_KEY_PATTERN] } },
      },
    ],
  };
}

export interface TrustPolicyOptions {
  /** The AWS account that owns the role (and whose principals may assume it). */
  accountId: string;
  /**
   * Which principals may assume it (aws:PrincipalArn, ArnLike). Default: the account's IAM Identity Center
   * roles (`arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/*`), i.e. the attendees' SSO sessions.
   */
  principalArnPattern?: string;
}

/**
 * The tenant role's trust policy: principals of the account may assume it (sts:AssumeRole) and must tag the
 * session with exactly one tag, TenantId (sts:TagSession). An untagged session gets no data access at all: the
 * permissions policy's `${aws:PrincipalTag/TenantId}` does not resolve, so its condition cannot match.
 * In a real SaaS only the token-vending service would be trusted here, and it would take the tenant id from the
 * user's authenticated token; in the workshop attendees play that service.
 */
export function tenantTrustPolicy(options: TrustPolicyOptions): PolicyDocument {
  if (!/^\d{12}$/.test(options.accountId)) {
    throw new WorkshopError(
      'ACCOUNT_ID_INVALID',
      `Account id ${JSON.stringify(options.accountId)} is not 12 digits.`,
      'pass the AWS account id, e.g. from aws sts get-caller-identity',
    );
  }
  const principal = { AWS: `arn:aws:iam::${options.accountId}:root` };
  const who = options.principalArnPattern ?? `arn:aws:iam::${options.accountId}:role/aws-reserved/sso.amazonaws.com/*`;
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'AssumeFromWorkshopPrincipals',
        Effect: 'Allow',
        Principal: principal,
        Action: ['sts:AssumeRole'],
        Condition: { ArnLike: { 'aws:PrincipalArn': who } },
      },
      {
        Sid: 'TagSessionWithExactlyOneTenantId',
        Effect: 'Allow',
        Principal: principal,
        Action: ['sts:TagSession'],
        Condition: {
          ArnLike: { 'aws:PrincipalArn': who },
          Null: { [`aws:RequestTag/${TENANT_TAG_KEY}`]: 'false' },
          // aws:TagKeys is multi-valued: ForAllValues, and the Null check above keeps it from being vacuous.
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG_KEY] },
        },
      },
    ],
  };
}

/**
 * What the callers themselves need (e.g. the attendees' IAM Identity Center permission set): with the account root
 * as the trust policy's principal, the role trusts the account and the caller's own policy must allow the call.
 */
export function tenantRoleCallerPolicy(options: { roleArn: string }): PolicyDocument {
  parseRoleArn(options.roleArn);
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: 'AssumeWorkshopTenantRoleWithSessionTag',
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Resource: [options.roleArn],
      },
    ],
  };
}

/** The STS session name for a tenant session: `<tenant>.<attendee>` (STS allows [\w+=,.@-], 2-64 characters). */
export function tenantSessionName(tenantId: string, attendeeId: string): string {
  const name = `${validateTenantId(tenantId)}.${attendeeId}`.replace(/[^\w+=,.@-]/g, '-');
  return name.length >= 2 ? name.slice(0, 64) : `${name}--`;
}

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>` — the principal AWS names in an AccessDenied message. */
export function assumedRoleArn(accountId: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

/** `arn:aws:iam::123456789012:role/path/ws-tenant` → `{ accountId, roleName: 'ws-tenant' }`; throws on anything else. */
export function parseRoleArn(arn: string): { accountId: string; roleName: string; partition: string } {
  const m = /^arn:(aws[\w-]*):iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/.exec(arn.trim());
  if (!m) {
    throw new WorkshopError(
      'TENANT_ROLE_ARN_INVALID',
      `WORKSHOP_TENANT_ROLE_ARN=${JSON.stringify(arn)} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>).`,
      'run: export WORKSHOP_TENANT_ROLE_ARN=arn:aws:iam::<account>:role/ws-tenant   (the ARN scripts/tenant-role/deploy.sh prints), then restart the kernel',
    );
  }
  return { partition: m[1], accountId: m[2], roleName: m[3] };
}

export interface AssumeRoleInputShape {
  RoleArn: string;
  RoleSessionName: string;
  DurationSeconds: number;
  Tags: { Key: string; Value: string }[];
}

/** The STS AssumeRole request that makes a tenant-scoped session (pure, so a test can assert it). */
export function tenantAssumeRoleInput(options: {
  roleArn: string;
  tenantId: string;
  attendeeId: string;
  durationSeconds?: number;
}): AssumeRoleInputShape {
  parseRoleArn(options.roleArn);
  const tenantId = validateTenantId(options.tenantId);
  return {
    RoleArn: options.roleArn.trim(),
    RoleSessionName: tenantSessionName(tenantId, options.attendeeId),
    DurationSeconds: options.durationSeconds ?? 3600,
    Tags: [{ Key: TENANT_TAG_KEY, Value: tenantId }],
  };
}
