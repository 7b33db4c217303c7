import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest } from '@smithy/core/protocols';
import { WorkshopError } from '../errors';
import { type Forward, type Uninstall, wrapHandler } from '../model/intercept';
import { bodyText, type HandlerOutput, jsonError } from './wire';
import { keyConditionPartitionKey } from '../model/request';
import { type SchemaCache, schemaCacheOf, type TableSchema, workshopSchema } from '../model/schema-cache';
import { type ArnContext, type PolicyDocument, indexArn, tableArn } from '../tenancy/policy';

/**
 * IAM on the local target. DynamoDB Local has no IAM: every request is allowed. The enforcer sits where the network
 * would be (it wraps the client's HTTP request handler, like the throttling emulator), turns each DynamoDB request
 * into the authorization requests AWS would make — action `dynamodb:<Operation>`, the table or index ARN, the
 * principal tag TenantId and the context key `dynamodb:LeadingKeys` = the set of partition key values the request
 * touches — and has a real IAM policy evaluator (@cloud-copilot/iam-simulate) decide each one with the same policy
 * document the AWS role carries. A refusal is answered as AWS answers it: HTTP 400 AccessDeniedException with AWS's
 * message, so the SDK builds the real exception. Only allowed requests reach the engine.
 *
 * How AWS authorises each operation (what authorizationRequests() reproduces):
 * - GetItem/PutItem/UpdateItem/DeleteItem: one request, LeadingKeys = the item's partition key.
 * - Query: one request on the table or on the index ARN (IndexName), LeadingKeys = the partition key value in the
 *   KeyConditionExpression (on an index, the index's partition key).
 * - Scan: one request with NO LeadingKeys — which is why ForAllValues alone lets it through.
 * - BatchGetItem/BatchWriteItem: one request per table, LeadingKeys = every partition key of that table's part.
 * - TransactGetItems/TransactWriteItems: no action of their own: each element is authorised as GetItem, PutItem,
 *   UpdateItem, DeleteItem or ConditionCheckItem on its own key (DynamoDB guide, "Using IAM with transactions").
 * - PartiQL: PartiQLSelect/Insert/Update/Delete on the table, without LeadingKeys (not parsed here).
 * - Anything else (control plane): dynamodb:<Operation> on the table ARN, or "*" when no table is named.
 */

type Json = Record<string, unknown>;

/** The enforcer's step on the client's stack (see intercept.ts): right before the HTTP handler. */
const ENFORCER_STEP = 'workshopAbacEnforcer';

export interface AbacKeySchema {
  /** The table's partition key attribute. */
  hash: string;
  /** Index name → the index's partition key attribute. */
  indexes: Record<string, string>;
}

/** The partition keys the enforcer needs, from the shared schema (GSIs and LSIs). */
export function abacKeySchemaOf(schema: TableSchema): AbacKeySchema {
  const indexes: Record<string, string> = {};
  for (const i of schema.indexes) indexes[i.name] = i.hash;
  return { hash: schema.hash, indexes };
}

export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** Partition key values this request touches (deduplicated); empty when it touches none (Scan). */
  leadingKeys: string[];
}

function stringOf(av: unknown): string | undefined {
  if (av && typeof av === 'object') {
    const v = av as Json;
    if (typeof v.S === 'string') return v.S;
    if (typeof v.N === 'string') return v.N;
    if (typeof v.B === 'string') return v.B;
  }
  return undefined;
}

function unique(values: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== undefined && !out.includes(v)) out.push(v);
  return out;
}

const PARTIQL_ACTION: Record<string, string> = {
  SELECT: 'dynamodb:PartiQLSelect',
  INSERT: 'dynamodb:PartiQLInsert',
  UPDATE: 'dynamodb:PartiQLUpdate',
  DELETE: 'dynamodb:PartiQLDelete',
};

function partiqlRequest(statement: string, arnOf: (table: string, index?: string) => string): AuthorizationRequest {
  const verb = (/^\s*(\w+)/.exec(statement)?.[1] ?? '').toUpperCase();
  const table = /\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.-]{3,255})"?/i.exec(statement)?.[1];
  return {
    action: PARTIQL_ACTION[verb] ?? 'dynamodb:PartiQLSelect',
    resource: table ? arnOf(table) : '*',
    leadingKeys: [],
  };
}

/** The tables a request names (what the enforcer must know the key schema of before deciding). */
export function requestTables(operation: string, body: Json): string[] {
  const names: (string | undefined)[] = [];
  if (typeof body.TableName === 'string') names.push(body.TableName);
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem')
    names.push(...Object.keys((body.RequestItems ?? {}) as Json));
  if (operation === 'TransactGetItems' || operation === 'TransactWriteItems') {
    for (const t of (body.TransactItems ?? []) as Json[]) {
      for (const k of Object.keys(t)) names.push((t[k] as Json | undefined)?.TableName as string | undefined);
    }
  }
  return unique(names);
}

/**
 * The authorization requests AWS evaluates for one DynamoDB API call (pure). `schemaOf` gives a table's key
 * attributes, `arnOf` the ARN of a table or of one of its indexes.
 */
export function authorizationRequests(
  operation: string,
  body: Json,
  schemaOf: (table: string) => AbacKeySchema,
  arnOf: (table: string, index?: string) => string,
): AuthorizationRequest[] {
  const action = `dynamodb:${operation}`;
  const table = typeof body.TableName === 'string' ? body.TableName : undefined;
  const pkOf = (t: string, item: unknown): string | undefined => (item ? stringOf((item as Json)[schemaOf(t).hash]) : undefined);

  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ action, resource: arnOf(table!), leadingKeys: unique([pkOf(table!, body.Key)]) }];
    case 'PutItem':
      return [{ action, resource: arnOf(table!), leadingKeys: unique([pkOf(table!, body.Item)]) }];
    case 'Query': {
      const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
      const schema = schemaOf(table!);
      const hash = index ? (schema.indexes[index] ?? schema.hash) : schema.hash;
      const pk = keyConditionPartitionKey(body, hash);
      return [{ action, resource: arnOf(table!, index), leadingKeys: unique([pk]) }];
    }
    case 'Scan': {
      const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
      return [{ action, resource: arnOf(table!, index), leadingKeys: [] }];
    }
    case 'BatchGetItem': {
      const items = (body.RequestItems ?? {}) as Record<string, { Keys?: Json[] }>;
      return Object.keys(items).map((t) => ({
        action,
        resource: arnOf(t),
        leadingKeys: unique((items[t].Keys ?? []).map((k) => pkOf(t, k))),
      }));
    }
    case 'BatchWriteItem': {
      const items = (body.RequestItems ?? {}) as Record<string, Json[]>;
      return Object.keys(items).map((t) => ({
        action,
        resource: arnOf(t),
        // Every key an entry carries counts: an entry holding both a PutRequest and a DeleteRequest is malformed,
        // but an engine that acted on both must not have authorised only one of them.
        leadingKeys: unique(
          items[t].flatMap((wr) => [
            pkOf(t, (wr.PutRequest as { Item?: Json } | undefined)?.Item),
            pkOf(t, (wr.DeleteRequest as { Key?: Json } | undefined)?.Key),
          ]),
        ),
      }));
    }
    case 'TransactGetItems':
      return ((body.TransactItems ?? []) as Json[]).map((ti) => {
        const get = (ti.Get ?? {}) as Json;
        const t = String(get.TableName);
        return { action: 'dynamodb:GetItem', resource: arnOf(t), leadingKeys: unique([pkOf(t, get.Key)]) };
      });
    case 'TransactWriteItems': {
      const actionOf: Record<string, string> = {
        Put: 'dynamodb:PutItem',
        Update: 'dynamodb:UpdateItem',
        Delete: 'dynamodb:DeleteItem',
        ConditionCheck: 'dynamodb:ConditionCheckItem',
      };
      const out: AuthorizationRequest[] = [];
      for (const ti of (body.TransactItems ?? []) as Json[]) {
        for (const kind of Object.keys(ti)) {
          const op = ti[kind] as Json;
          if (!actionOf[kind] || !op) continue;
          const t = String(op.TableName);
          out.push({
            action: actionOf[kind],
            resource: arnOf(t),
            leadingKeys: unique([pkOf(t, kind === 'Put' ? op.Item : op.Key)]),
          });
        }
      }
      return out;
    }
    case 'ExecuteStatement':
      return [partiqlRequest(String(body.Statement ?? ''), arnOf)];
    case 'BatchExecuteStatement':
      return ((body.Statements ?? []) as Json[]).map((s) => partiqlRequest(String(s.Statement ?? ''), arnOf));
    case 'ExecuteTransaction':
      return ((body.TransactStatements ?? []) as Json[]).map((s) => partiqlRequest(String(s.Statement ?? ''), arnOf));
    default:
      return [{ action, resource: table ? arnOf(table) : '*', leadingKeys: [] }];
  }
}

// ---- the evaluator ----------------------------------------------------------------------------------------------

interface IamSimulateModule {
  runSimulation(
    simulation: {
      request: {
        principal: string;
        action: string;
        resource: { resource: string; accountId: string };
        contextVariables: Record<string, string | string[]>;
      };
      identityPolicies: { name: string; policy: unknown }[];
      serviceControlPolicies: unknown[];
      resourceControlPolicies: unknown[];
    },
    options: Record<string, unknown>,
  ): Promise<{ resultType: string; overallResult?: string; errors?: unknown }>;
}

/**
 * The IAM policy evaluator is a plug-in: an optional dependency under its own licence (AGPL-3.0-or-later), while the
 * workshop's own files are MIT-0. Only section 4's policy evaluation loads it; without it, everything else works and
 * simulateRequest says what is missing (README, "Licence", records why no permissive evaluator replaced it).
 */
export const IAM_EVALUATOR = {
  name: '@cloud-copilot/iam-simulate',
  version: '0.1.173',
  licence: 'AGPL-3.0-or-later',
} as const;

let simulator: IamSimulateModule | undefined;
function loadSimulator(): IamSimulateModule {
  // Loaded on first use (it brings the IAM action catalogue, about 15 MB) and typed locally, so notebooks compiled
  // by tslab's TypeScript 5.0 never type-check the package's own declarations.
  if (simulator) return simulator;
  try {
    simulator = require(IAM_EVALUATOR.name) as IamSimulateModule;
  } catch (err) {
    // Only the plug-in itself being absent is explained; a broken install (one of its own files missing) surfaces.
    const code = (err as { code?: string }).code;
    if (code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(`'${IAM_EVALUATOR.name}'`)) throw err;
    throw new WorkshopError(
      'IAM_EVALUATOR_MISSING',
      `Section 4's IAM policy evaluation needs the optional plug-in ${IAM_EVALUATOR.name} ` +
        `(${IAM_EVALUATOR.licence}), which is not installed. Every other section works without it; on the aws ` +
        'target IAM itself still enforces the tenant role.',
      `npm install --no-save ${IAM_EVALUATOR.name}@${IAM_EVALUATOR.version}   (read the README's Licence section first)`,
      { cause: err },
    );
  }
  return simulator;
}

export interface SimulatedRequest {
  policy: PolicyDocument;
  /** The caller, e.g. arn:aws:sts::000000000000:assumed-role/ws-tenant/acme.demo */
  principalArn: string;
  /** The session's TenantId tag (aws:PrincipalTag/TenantId); omit for an untagged session. */
  tenantId?: string;
  /** Other session tags (aws:PrincipalTag/<key>), e.g. the AttendeeId the room table's policy keys on. */
  principalTags?: Record<string, string>;
  action: string;
  resource: string;
  leadingKeys: string[];
  accountId: string;
}

export type IamDecision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** Evaluates one authorization request against one identity policy with the real evaluator. */
export async function simulateRequest(req: SimulatedRequest): Promise<{ allowed: boolean; decision: IamDecision }> {
  const contextVariables: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.principalTags ?? {})) contextVariables[`aws:PrincipalTag/${k}`] = v;
  if (req.tenantId !== undefined) contextVariables['aws:PrincipalTag/TenantId'] = req.tenantId;
  if (req.leadingKeys.length > 0) contextVariables['dynamodb:LeadingKeys'] = req.leadingKeys.slice();
  const out = await loadSimulator().runSimulation(
    {
      request: {
        principal: req.principalArn,
        action: req.action,
        resource: { resource: req.resource, accountId: req.accountId },
        contextVariables,
      },
      identityPolicies: [{ name: 'tenant-policy', policy: req.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (out.resultType === 'error') {
    throw new WorkshopError(
      'POLICY_INVALID',
      `The IAM evaluator rejected the request or the policy (IAM would too): ${JSON.stringify(out.errors)}`,
      'check the policy against the IAM JSON grammar: Version "2012-10-17", Statement[] of Effect/Action/Resource/Condition',
    );
  }
  const decision = (out.overallResult ?? 'ImplicitlyDenied') as IamDecision;
  return { allowed: decision === 'Allowed', decision };
}

/** AWS's AccessDenied wording for an identity-based policy decision. */
export function accessDeniedMessage(principalArn: string, action: string, resource: string, decision: IamDecision): string {
  const why =
    decision === 'ExplicitlyDenied'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

// ---- the request handler wrapper -----------------------------------------------------------------------------------

export interface AbacDecision {
  tMs: number;
  operation: string;
  action: string;
  resource: string;
  leadingKeys: string[];
  allowed: boolean;
  decision: IamDecision;
  /** Time the evaluator took, ms. */
  ms: number;
}

export interface AbacEnforcerOptions {
  policy: PolicyDocument;
  principalArn: string;
  tenantId?: string;
  principalTags?: Record<string, string>;
  /** Region and account of the ARNs the policy names (the local engine's own ARNs say "ddblocal"). */
  arn: ArnContext;
  /** DescribeTable for key schemas: an admin client, never the enforced one (its shared schema cache is used). */
  describer: DynamoDBClient;
  /** The schema cache to read key schemas from. Default: `schemaCacheOf(describer)`. */
  schemas?: SchemaCache;
  clock?: () => number;
}

export class AbacEnforcer {
  readonly decisions: AbacDecision[] = [];
  readonly policy: PolicyDocument;
  readonly principalArn: string;
  private readonly options: AbacEnforcerOptions;
  private readonly schemas: SchemaCache;
  private uninstallStep?: Uninstall;

  constructor(options: AbacEnforcerOptions) {
    this.options = options;
    this.policy = options.policy;
    this.principalArn = options.principalArn;
    this.schemas = options.schemas ?? schemaCacheOf(options.describer);
  }

  /** Puts the enforcer in front of the client's engine (every request of this client is authorised first). */
  install(client: DynamoDBClient): this {
    if (this.uninstallStep) return this;
    this.uninstallStep = wrapHandler(client, ENFORCER_STEP, (request, forward) => this.handle(forward, request));
    return this;
  }

  /** Takes the enforcer off the client again (requests reach the engine unauthorised). */
  uninstall(): void {
    this.uninstallStep?.();
    this.uninstallStep = undefined;
  }

  arnOf(table: string, index?: string): string {
    const t = tableArn(table, this.options.arn);
    return index ? indexArn(t, index) : t;
  }

  /**
   * The table's partition keys. An unknown table (schema-cache.ts's rule) is still authorised by name, read as the
   * workshop's layout: IAM decides before the engine says the table does not exist.
   */
  private async schema(table: string): Promise<AbacKeySchema> {
    return abacKeySchemaOf((await this.schemas.get(table)) ?? workshopSchema(table));
  }

  /** Decides one API call: the first refused authorization request, or undefined when all are allowed. */
  async authorize(operation: string, body: Json): Promise<AbacDecision | undefined> {
    const tables = requestTables(operation, body);
    const resolved = new Map<string, AbacKeySchema>();
    for (const t of tables) resolved.set(t, await this.schema(t));
    if (['UpdateTable', 'DeleteTable', 'CreateTable'].includes(operation)) for (const t of tables) this.schemas.forget(t);
    const requests = authorizationRequests(
      operation,
      body,
      (t) => resolved.get(t) ?? { hash: 'PK', indexes: {} },
      (t, i) => this.arnOf(t, i),
    );
    for (const r of requests) {
      const t0 = performance.now();
      const { allowed, decision } = await simulateRequest({
        policy: this.policy,
        principalArn: this.principalArn,
        tenantId: this.options.tenantId,
        principalTags: this.options.principalTags,
        action: r.action,
        resource: r.resource,
        leadingKeys: r.leadingKeys,
        accountId: this.options.arn.accountId,
      });
      const d: AbacDecision = {
        tMs: (this.options.clock ?? Date.now)(),
        operation,
        action: r.action,
        resource: r.resource,
        leadingKeys: r.leadingKeys,
        allowed,
        decision,
        ms: performance.now() - t0,
      };
      this.decisions.push(d);
      if (!allowed) return d;
    }
    return undefined;
  }

  private async handle(forward: Forward, request: HttpRequest): Promise<HandlerOutput> {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    const operation = target.split('.')[1] ?? '';
    let body: Json = {};
    const text = bodyText(request.body);
    if (text) {
      try {
        body = JSON.parse(text) as Json;
      } catch {
        body = {};
      }
    }
    // Fail closed: a request we cannot read is authorised as the operation on "*" with no keys (denied).
    const refused = await this.authorize(operation, body);
    if (refused)
      return accessDenied(
        accessDeniedMessage(this.principalArn, refused.action, refused.resource, refused.decision),
        refused.tMs,
      );
    return forward(request);
  }
}

function accessDenied(message: string, tMs: number): HandlerOutput {
  return jsonError({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }, `EMULATED-IAM-${tMs}`);
}
