import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { REQUEST_DEADLINE, addErrorTranslation, awsCredentials } from '../aws';
import { type WorkshopClients, clientOptions } from '../client';
import { WorkshopError, translateAwsError } from '../errors';
import {
  DEFAULT_TENANT_ROLE_NAME,
  LOCAL_ACCOUNT_ID,
  type PolicyDocument,
  assumedRoleArn,
  parseRoleArn,
  tableArn,
  tenantAssumeRoleInput,
  tenantPolicy,
  tenantSessionName,
} from './policy';
import { AbacEnforcer } from '../local/enforcer';
import { type TenantKeys, sharedTableName, tenantKeys, validateTenantId } from './keys';

/**
 * Tenant-scoped clients, the same notebook code on both targets:
 * - aws: STS AssumeRole of the workshop's tenant role (WORKSHOP_TENANT_ROLE_ARN) with the session tag
 *   TenantId=<tenant>; every request then runs as that session and IAM enforces the role's policy.
 * - local: DynamoDB Local has no IAM, so the client gets an AbacEnforcer in front of the engine that evaluates the
 *   same policy document with a real IAM evaluator, as the same kind of principal, and answers AccessDenied like AWS.
 */

export const TENANT_ROLE_ENV = 'WORKSHOP_TENANT_ROLE_ARN';

export interface TenantClients extends WorkshopClients {
  tenantId: string;
  keys: TenantKeys;
  /** The principal requests run as: the assumed-role session ARN (its shape on the local target). */
  principalArn: string;
  /** Local target: the policy being enforced and the enforcer (with every decision it made). */
  policy?: PolicyDocument;
  enforcer?: AbacEnforcer;
}

export interface TenantClientOptions {
  /** The shared table the local policy names (default: WORKSHOP_SHARED_TABLE or ws-shared). */
  tableName?: string;
  /** Local target only: the policy to enforce instead of ws.tenantPolicy (e.g. the careless one). */
  policy?: PolicyDocument;
  /** Where WORKSHOP_TENANT_ROLE_ARN / WORKSHOP_SHARED_TABLE are read (default process.env). */
  env?: Record<string, string | undefined>;
  durationSeconds?: number;
  sdk?: Partial<DynamoDBClientConfig>;
}

/** The tenant role's ARN from WORKSHOP_TENANT_ROLE_ARN; a WorkshopError naming the variable when it is missing. */
export function tenantRoleArn(env: Record<string, string | undefined> = process.env): string {
  const arn = (env[TENANT_ROLE_ENV] ?? '').trim();
  if (!arn) {
    throw new WorkshopError(
      'TENANT_ROLE_UNSET',
      `${TENANT_ROLE_ENV} is not set: on the aws target a tenant client assumes the workshop's tenant role with the session tag TenantId.`,
      `ask your instructor for the role ARN (scripts/tenant-role/deploy.sh prints it), then run: export ${TENANT_ROLE_ENV}=arn:aws:iam::<account>:role/${DEFAULT_TENANT_ROLE_NAME}   and restart the kernel`,
    );
  }
  parseRoleArn(arn);
  return arn;
}

function translateAssumeRoleError(err: unknown, roleArn: string, ctx: { profile: string; region: string }): unknown {
  const out = translateAwsError(err, ctx);
  if (out !== err && (out as { code?: string }).code !== 'ACCESS_DENIED') return out;
  const name = (err as { name?: string })?.name ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || /not authorized to perform: sts:/i.test(message)) {
    return new WorkshopError(
      'TENANT_ROLE_DENIED',
      `STS refused to give you a tenant session on ${roleArn}: ${message.split('\n')[0]}`,
      'the instructor deploys scripts/tenant-role (its trust policy lets the SSO roles sts:AssumeRole + sts:TagSession); ' +
        'your permission set must also allow sts:AssumeRole and sts:TagSession on that role',
      { cause: err },
    );
  }
  return err;
}

/** A DynamoDB client pair that acts as one tenant of the shared table. */
export async function tenantClients(
  clients: WorkshopClients,
  tenantId: string,
  options: TenantClientOptions = {},
): Promise<TenantClients> {
  const tid = validateTenantId(tenantId);
  const env = options.env ?? process.env;
  const { config } = clients;
  const sessionName = tenantSessionName(tid, config.attendeeId);
  if (config.target === 'aws') {
    if (options.policy) {
      throw new WorkshopError(
        'TENANT_POLICY_OVERRIDE_AWS',
        "A policy override applies to the local target only: on AWS the tenant role's attached policy decides.",
        'drop the policy option, or evaluate a policy offline with ws.simulateRequest',
      );
    }
    const roleArn = tenantRoleArn(env);
    const input = tenantAssumeRoleInput({
      roleArn,
      tenantId: tid,
      attendeeId: config.attendeeId,
      durationSeconds: options.durationSeconds,
    });
    const sts = config.awsEndpoints?.sts;
    const temporary = fromTemporaryCredentials({
      params: input,
      masterCredentials: awsCredentials(config),
      clientConfig: { region: config.region, requestHandler: REQUEST_DEADLINE, ...(sts ? { endpoint: sts } : {}) },
    });
    // One AssumeRole per session, renewed five minutes before it expires (the client asks on every request).
    let held: AwsCredentialIdentity | undefined;
    const credentials = async (): Promise<AwsCredentialIdentity> => {
      if (held && (!held.expiration || held.expiration.getTime() - Date.now() > 300_000)) return held;
      try {
        held = await (temporary as () => Promise<AwsCredentialIdentity>)();
        return held;
      } catch (err) {
        throw translateAssumeRoleError(err, roleArn, config);
      }
    };
    await credentials(); // fail here, with the fix, rather than on the first query
    const ddb = new DynamoDBClient(clientOptions(config, { ...options.sdk, credentials }));
    addErrorTranslation(ddb.middlewareStack, { ...config, service: 'DynamoDB', endpoint: clients.endpoint });
    const { accountId, roleName } = parseRoleArn(roleArn);
    return tenantClientsOf(clients, ddb, tid, assumedRoleArn(accountId, roleName, input.RoleSessionName));
  }

  const tableName = options.tableName ?? sharedTableName(env);
  const arn = { region: config.region, accountId: LOCAL_ACCOUNT_ID };
  const policy = options.policy ?? tenantPolicy({ tableArn: tableArn(tableName, arn) });
  let roleName = DEFAULT_TENANT_ROLE_NAME;
  try {
    if ((env[TENANT_ROLE_ENV] ?? '').trim()) roleName = parseRoleArn(env[TENANT_ROLE_ENV]!).roleName;
  } catch {
    // locally the variable is optional; a malformed one only loses the role name
  }
  const principalArn = assumedRoleArn(LOCAL_ACCOUNT_ID, roleName, sessionName);
  const ddb = new DynamoDBClient(clientOptions(config, options.sdk));
  const enforcer = new AbacEnforcer({ policy, principalArn, tenantId: tid, arn, describer: clients.ddb }).install(ddb);
  return tenantClientsOf(clients, ddb, tid, principalArn, { policy, enforcer });
}

/** The tenant's client pair over `ddb` (its own credentials or enforcer), on the workshop clients' endpoint and clock. */
function tenantClientsOf(
  clients: WorkshopClients,
  ddb: DynamoDBClient,
  tid: string,
  principalArn: string,
  local?: Pick<TenantClients, 'policy' | 'enforcer'>,
): TenantClients {
  return {
    config: clients.config,
    ddb,
    doc: DynamoDBDocumentClient.from(ddb, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    }),
    endpoint: clients.endpoint,
    ...(clients.clock ? { clock: clients.clock } : {}),
    tenantId: tid,
    keys: tenantKeys(tid),
    principalArn,
    ...local,
  };
}
