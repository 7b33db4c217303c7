import { WorkshopError } from '../errors';
import type { PolicyDocument } from '../tenancy/policy';

// The IAM enforcer's evaluator (see enforcer.ts): a real IAM policy evaluator, loaded on first use.

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
