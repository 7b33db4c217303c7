import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { HttpRequest } from '@smithy/core/protocols';
import { type Forward, type Uninstall, wrapHandler } from '../model/intercept';
import { bodyText, type HandlerOutput, jsonError } from './wire';
import { type SchemaCache, schemaCacheOf, workshopSchema } from '../model/schema-cache';
import { type ArnContext, type PolicyDocument, indexArn, tableArn } from '../tenancy/policy';
import { type AbacKeySchema, abacKeySchemaOf, authorizationRequests, requestTables } from './enforcer-requests';
import { accessDeniedMessage, type IamDecision, simulateRequest } from './iam-evaluator';

export * from './enforcer-requests';
export * from './iam-evaluator';

/**
 * IAM on the local target. DynamoDB Local has no IAM: every request is allowed. The enforcer sits where the network
 * would be (it wraps the client's HTTP request handler, like the throttling emulator), turns each DynamoDB request
 * into the authorization requests AWS would make — action `dynamodb:<Operation>`, the table or index ARN, the
 * principal tag TenantId and the context key `dynamodb:LeadingKeys` = the set of partition key values the request
 * touches — and has a real IAM policy evaluator (IAM_EVALUATOR in iam-evaluator.ts) decide each one with the same policy
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
 *
 * Files: this one (the handler wrapper), enforcer-requests.ts (a request → its authorization requests),
 * iam-evaluator.ts (the policy evaluator).
 */

type Json = Record<string, unknown>;

/** The enforcer's step on the client's stack (see intercept.ts): right before the HTTP handler. */
const ENFORCER_STEP = 'workshopAbacEnforcer';

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

/** How many of its latest decisions an enforcer keeps (a section makes a few hundred; memory stays flat past it). */
export const ENFORCER_DECISIONS_KEPT = 10_000;

export class AbacEnforcer {
  /** The latest decisions, oldest first: at most ENFORCER_DECISIONS_KEPT. */
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
  private async schema(table: string, index?: string): Promise<AbacKeySchema> {
    return abacKeySchemaOf((await this.schemas.get(table, index)) ?? workshopSchema(table));
  }

  /** Decides one API call: the first refused authorization request, or undefined when all are allowed. */
  async authorize(operation: string, body: Json): Promise<AbacDecision | undefined> {
    const tables = requestTables(operation, body);
    const resolved = new Map<string, AbacKeySchema>();
    const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
    for (const t of tables) resolved.set(t, await this.schema(t, index));
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
      if (this.decisions.length > ENFORCER_DECISIONS_KEPT)
        this.decisions.splice(0, this.decisions.length - ENFORCER_DECISIONS_KEPT);
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
