/** Every code the workshop raises: tests and notebooks match on these, so a new one is added here first. */
export type WorkshopErrorCode =
  | 'ACCESS_DENIED'
  | 'ACCOUNT_ID_INVALID'
  | 'ARN_INVALID'
  | 'ATTENDEE_ID_INVALID'
  | 'ATTENDEE_ID_UNSET'
  | 'BATCH_DUPLICATE_KEY'
  | 'BATCH_KEY_MISSING'
  | 'BATCH_UNPROCESSED'
  | 'CAPACITY_KIND'
  | 'CHECKPOINT_REFERENCE_FAILS'
  | 'CLEANUP_PLAN_MISMATCH'
  | 'CLEANUP_REFUSED'
  | 'CLOUDWATCH_ACCESS_DENIED'
  | 'CLOUDWATCH_LOCAL'
  | 'CONTRIBUTOR_COUNT'
  | 'CONTROL_PLANE_BUSY'
  | 'COST_INPUT'
  | 'DDB_LOCAL_MISSING'
  | 'DDB_LOCAL_START'
  | 'EMULATOR_AWS_TARGET'
  | 'ENDPOINT_INVALID'
  | 'ENDPOINT_UNREACHABLE'
  | 'ENV_FILE_INVALID'
  | 'EXERCISE_ANSWERS_INVALID'
  | 'GSI_SCHEMA'
  | 'IAM_EVALUATOR_MISSING'
  | 'INTERCEPT_NO_HTTP_RESPONSE'
  | 'INVALID_TABLE_NAME'
  | 'JAVA_MISSING'
  | 'JAVA_TOO_OLD'
  | 'KEY_DATE'
  | 'KEY_PART_EMPTY'
  | 'KEY_PART_SEPARATOR'
  | 'METRIC_QUERY_ID'
  | 'NO_CREDENTIALS'
  | 'POLICY_INVALID'
  | 'PORT_INVALID'
  | 'PORT_IN_USE'
  | 'PRICES_UNKNOWN'
  | 'RECORDER_ATTACHED'
  | 'RECORDER_LOG_BOUND'
  | 'REGION_INVALID'
  | 'ROOM_INVALID'
  | 'SHARED_OWNER_TAKEN'
  | 'SSO_PROFILE_MISSING'
  | 'SSO_SESSION_EXPIRED'
  | 'TABLE_DELETE_TIMEOUT'
  | 'TABLE_IN_USE'
  | 'TABLE_MISSING'
  | 'TABLE_NAME_CASE_COLLISION'
  | 'TABLE_NOT_YOURS'
  | 'TABLE_OPERATION_BOOK_BUSY'
  | 'TABLE_OPERATION_LIMIT_INVALID'
  | 'TABLE_SCHEMA'
  | 'TABLE_WAIT_TIMEOUT'
  | 'TARGET_INVALID'
  | 'TENANT_ID_INVALID'
  | 'TENANT_KEY_FOREIGN'
  | 'TENANT_KEY_INJECTION'
  | 'TENANT_POLICY_OVERRIDE_AWS'
  | 'TENANT_ROLE_ARN_INVALID'
  | 'TENANT_ROLE_DENIED'
  | 'TENANT_ROLE_UNSET'
  | 'UNEXPECTED_ANSWER';

/**
 * Errors the workshop raises on purpose: each says what was wrong and what to run.
 * Notebook cells print `message`, so the fix has to be in the message itself.
 */
export class WorkshopError extends Error {
  readonly fix: string;
  readonly code: WorkshopErrorCode;

  constructor(code: WorkshopErrorCode, problem: string, fix: string, options?: { cause?: unknown }) {
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
  /** the service and operation that failed, and where the request went: for answers that are not the service's */
  service?: string;
  operation?: string;
  endpoint?: string;
  target?: 'local' | 'aws';
  /** the setting that chose the endpoint (DDB_ENDPOINT, DDB_LOCAL_PORT=8000…), for "nothing answers there" */
  setting?: string;
}

/** A connection that never reached a service: refused, reset, unknown host, timed out. */
export function connectionFailure(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  const code = [e?.code, e?.cause?.code, e?.name].find(
    (c): c is string =>
      typeof c === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT|TimeoutError)$/.test(c),
  );
  return code;
}

/**
 * An answer that is not the service's (an HTML error page from a proxy or an AWS stand-in, a port serving something
 * else): the SDK throws a SyntaxError "Deserialization error" carrying the raw response. Undefined for real errors.
 */
export function unexpectedAnswer(err: unknown): { status?: number; body: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as {
    message?: unknown;
    $response?: { statusCode?: number; body?: unknown };
    $metadata?: { httpStatusCode?: number };
  };
  const message = typeof e.message === 'string' ? e.message : '';
  if (!/Deserialization error/i.test(message) && !(e.$response && /Unexpected token|JSON/i.test(message))) return undefined;
  const raw = typeof e.$response?.body === 'string' ? e.$response.body : '';
  const body = raw
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return {
    status: e.$metadata?.httpStatusCode ?? e.$response?.statusCode,
    body: body.length > 80 ? `${body.slice(0, 80)}…` : body,
  };
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
  const refused = connectionFailure(err);
  if (refused && ctx.endpoint) {
    const where =
      ctx.endpoint === 'aws' ? `the ${ctx.service ?? 'AWS'} endpoint in ${ctx.region ?? 'your region'}` : ctx.endpoint;
    return new WorkshopError(
      'ENDPOINT_UNREACHABLE',
      `${ctx.service ?? 'AWS'} ${ctx.operation ?? 'request'}: nothing answers at ${where} (${refused}${ctx.setting ? `; set by ${ctx.setting}` : ''}).`,
      ctx.target === 'local'
        ? 'the engine this run was using is gone or not answering: restart it (npx tsx tools/local-ddb.ts start, or re-run 00_setup), then re-run this cell; a headless run (tools/workshop.sh notebooks) stops instead of switching engines'
        : 'check the endpoint setting (or unset it to use AWS), then re-run this cell',
      { cause: err },
    );
  }
  const odd = unexpectedAnswer(err);
  if (odd) {
    const service = ctx.service ?? 'AWS';
    const where = ctx.endpoint && ctx.endpoint !== 'aws' ? ctx.endpoint : `the ${service} endpoint`;
    const detail = [odd.status ? `HTTP ${odd.status}` : '', odd.body ? `"${odd.body}"` : ''].filter(Boolean).join(': ');
    return new WorkshopError(
      'UNEXPECTED_ANSWER',
      `${service} ${ctx.operation ?? 'request'} got an answer that is not ${service}'s from ${where}${detail ? ` (${detail})` : ''}.`,
      ctx.endpoint && ctx.endpoint !== 'aws'
        ? `that endpoint may not offer ${ctx.operation ?? 'this operation'} (an AWS stand-in or another engine): on AWS it works; check DDB_ENDPOINT / AWS_ENDPOINT_URL`
        : 're-run the cell in a minute; if it persists, tell the instructor (a proxy or network filter may answer instead of AWS)',
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

/** One short text for a cell that reports a failure and carries on: the problem and its fix, never a stack. */
export function explainError(err: unknown): string {
  if (isWorkshopError(err)) return err.message;
  const name = errorName(err);
  return `${name ? `${name}: ` : ''}${firstLine(errorMessage(err))}`;
}
