/**
 * Errors the workshop raises on purpose: each says what was wrong and what to run.
 * Notebook cells print `message`, so the fix has to be in the message itself.
 */
export class WorkshopError extends Error {
  readonly fix: string;
  readonly code: string;

  constructor(code: string, problem: string, fix: string, options?: { cause?: unknown }) {
    super(`${problem}\n  -> ${fix}`);
    this.name = 'WorkshopError';
    this.code = code;
    this.fix = fix;
    if (options && options.cause !== undefined) {
      (this as { cause?: unknown }).cause = options.cause;
    }
  }
}

export function isWorkshopError(err: unknown): err is WorkshopError {
  return err instanceof WorkshopError;
}

function errorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; __type?: unknown };
    if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
    if (typeof e.code === 'string') return e.code;
  }
  return '';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface AwsErrorContext {
  profile?: string;
  region?: string;
  tableName?: string;
}

/**
 * Turns what the AWS SDK throws into a WorkshopError with the exact command to run.
 * Unknown errors pass through untouched so nothing is hidden.
 */
export function translateAwsError(err: unknown, ctx: AwsErrorContext = {}): unknown {
  if (isWorkshopError(err)) return err;
  const name = errorName(err);
  const message = errorMessage(err);
  const profile = ctx.profile || 'dynamodb-workshop';
  const login = `aws sso login --profile ${profile}`;

  if (/Profile .* was not found|could not find profile|no such profile/i.test(message)) {
    return new WorkshopError(
      'SSO_PROFILE_MISSING',
      `AWS profile "${profile}" is not configured on this machine.`,
      `run: aws configure sso --profile ${profile}   then: ${login}`,
      { cause: err },
    );
  }
  if (
    /token.*(expired|invalid|refresh)|session.*expired|SSO session|sso_session|The SSO session associated with this profile/i.test(
      message,
    ) ||
    name === 'ExpiredTokenException' ||
    name === 'ExpiredToken' ||
    name === 'UnrecognizedClientException' ||
    (name === 'InvalidSignatureException' && /expired/i.test(message))
  ) {
    return new WorkshopError(
      'SSO_SESSION_EXPIRED',
      `Your AWS SSO session for profile "${profile}" is missing or expired (${name || 'error'}: ${firstLine(message)}).`,
      `run: ${login}   then re-run this cell`,
      { cause: err },
    );
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new WorkshopError(
      'NO_CREDENTIALS',
      `No AWS credentials were found (${firstLine(message)}).`,
      `run: ${login}   (first time on this machine: aws configure sso --profile ${profile}); or export WORKSHOP_TARGET=local to use DynamoDB Local`,
      { cause: err },
    );
  }
  if (name === 'ResourceNotFoundException') {
    const table = ctx.tableName ? `Table "${ctx.tableName}"` : 'The table';
    return new WorkshopError(
      'TABLE_MISSING',
      `${table} does not exist${ctx.region ? ` in ${ctx.region}` : ''} (${firstLine(message)}).`,
      'run notebooks/00_setup.ipynb (or ensureTable()) to create it',
      { cause: err },
    );
  }
  if (name === 'AccessDeniedException') {
    return new WorkshopError(
      'ACCESS_DENIED',
      `AWS denied the request: ${firstLine(message)}`,
      'check that you use the workshop role (aws sts get-caller-identity) and your own table ws-att-<ATTENDEE_ID>',
      { cause: err },
    );
  }
  return err;
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] || '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
