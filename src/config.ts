import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkshopError } from './errors';
import { repoRoot } from './paths';

export type Target = 'local' | 'aws';

export interface WorkshopConfig {
  attendeeId: string;
  tableName: string;
  region: string;
  profile: string;
  target: Target;
  /** Explicit endpoint (DDB_ENDPOINT): any DynamoDB-compatible server. Unset means the target's default. */
  endpoint?: string;
  /** Port for the embedded DynamoDB Local. */
  localPort: number;
  /**
   * aws target: where AWS_ENDPOINT_URL(_<SERVICE>) or the profile's endpoint_url send each service (an AWS stand-in,
   * a proxy). Filled in by createClients; absent means AWS's regional endpoints.
   */
  awsEndpoints?: Partial<Record<'dynamodb' | 'sts' | 'cloudwatch', string>>;
}

export const DEFAULT_REGION = 'ap-southeast-1';
export const DEFAULT_PROFILE = 'dynamodb-workshop';
export const DEFAULT_LOCAL_PORT = 8000;
export const TABLE_PREFIX = 'ws-att-';

type Env = Record<string, string | undefined>;

const TABLE_NAME_RE = /^[A-Za-z0-9_.-]{3,255}$/;

/** AWS's rule for table names: 3-255 characters of [A-Za-z0-9_.-]. */
export function validateTableName(name: string): string {
  if (!TABLE_NAME_RE.test(name)) {
    const why =
      name.length < 3
        ? 'is shorter than 3 characters'
        : name.length > 255
          ? 'is longer than 255 characters'
          : `contains characters other than A-Z a-z 0-9 _ . - (${JSON.stringify(badChars(name))})`;
    throw new WorkshopError(
      'INVALID_TABLE_NAME',
      `Table name "${name}" ${why}; DynamoDB table names must match [A-Za-z0-9_.-]{3,255}.`,
      'pick a name such as ws-att-037',
    );
  }
  return name;
}

function badChars(name: string): string {
  return Array.from(new Set(name.replace(/[A-Za-z0-9_.-]/g, ''))).join('');
}

/** ATTENDEE_ID becomes part of the table name, so it must keep the name valid. */
export function validateAttendeeId(raw: string | undefined): string {
  const id = (raw ?? '').trim();
  if (!id) {
    throw new WorkshopError(
      'ATTENDEE_ID_UNSET',
      'ATTENDEE_ID is not set: the workshop names your table ws-att-<ATTENDEE_ID>.',
      'run: bash tools/attendee.sh 037   (the id from your SSO voucher; or export ATTENDEE_ID=037), then restart the kernel',
    );
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(id) || (TABLE_PREFIX + id).length > 255) {
    throw new WorkshopError(
      'ATTENDEE_ID_INVALID',
      `ATTENDEE_ID "${id}" cannot be part of a table name: use only A-Z a-z 0-9 _ . - (at most ${255 - TABLE_PREFIX.length} characters).`,
      'run: export ATTENDEE_ID=037   (the id from your SSO voucher), then restart the kernel',
    );
  }
  return id;
}

export function parseTarget(raw: string | undefined): Target {
  const t = (raw ?? '').trim().toLowerCase();
  if (t === '' || t === 'local') return 'local';
  if (t === 'aws') return 'aws';
  throw new WorkshopError(
    'TARGET_INVALID',
    `WORKSHOP_TARGET="${raw}" is not a target: use "local" (DynamoDB Local, the default) or "aws".`,
    'run: export WORKSHOP_TARGET=local   or   export WORKSHOP_TARGET=aws',
  );
}

export function parseEndpoint(raw: string | undefined): string | undefined {
  const e = (raw ?? '').trim();
  if (!e) return undefined;
  let url: URL;
  try {
    url = new URL(e);
  } catch {
    throw new WorkshopError(
      'ENDPOINT_INVALID',
      `DDB_ENDPOINT="${raw}" is not a URL.`,
      'run: export DDB_ENDPOINT=http://localhost:8000   (or unset it to use the target default)',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WorkshopError(
      'ENDPOINT_INVALID',
      `DDB_ENDPOINT="${raw}" must start with http:// or https://.`,
      'run: export DDB_ENDPOINT=http://localhost:8000',
    );
  }
  return e.replace(/\/+$/, '');
}

/**
 * The one port parser (DDB_LOCAL_PORT, tools/local-ddb.ts --port, ensureLocal's port): decimal digits only, 1-65535.
 * Number() alone would take "0x2071" as 8305 and "1e3" as 1000, and "abc" would reach net.connect as NaN.
 * `name` is the setting as the user wrote it (an environment variable, a --flag or an option), for the message.
 */
export function parsePort(raw: string | undefined, name = 'DDB_LOCAL_PORT'): number {
  const text = (raw ?? '').trim();
  if (!text) return DEFAULT_LOCAL_PORT;
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) {
    const fix = name.startsWith('--')
      ? `pass ${name} 8000`
      : /^[A-Z_]+$/.test(name)
        ? `run: export ${name}=8000`
        : `pass ${name}: 8000`;
    throw new WorkshopError(
      'PORT_INVALID',
      `${name}="${raw}" is not a TCP port: use a whole number from 1 to 65535 in decimal digits.`,
      fix,
    );
  }
  return n;
}

/**
 * Settings saved by `bash tools/attendee.sh` in <repo>/.workshop.env (KEY=VALUE lines, git-ignored): JupyterLab's
 * kernels do not see what an attendee exports in a terminal later, but they can read this file. Attendees edit it by
 * hand too, so it reads what people write: `KEY = value`, `export KEY=value`, `KEY="quoted # value"`, a trailing
 * `# comment` after an unquoted value (a `#` with a space before it; `http://h/#x` keeps its `#`).
 *
 * A line it cannot read is an error naming the file and the line, not a warning: every line there is a setting some
 * kernel relies on — usually ATTENDEE_ID, the table's name — and carrying on without it ends in a message that does
 * not mention the file ("ATTENDEE_ID is not set") or, worse, in another table. One edit fixes it.
 */
export function parseEnvFile(text: string, file: string = ENV_FILE): Env {
  const out: Env = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const bad = (why: string) =>
      new WorkshopError(
        'ENV_FILE_INVALID',
        `${file} line ${i + 1}: ${JSON.stringify(line)} ${why}.`,
        'write it as KEY=value (e.g. ATTENDEE_ID=037), or delete the line; or run: bash tools/attendee.sh <your id> to write the file again',
      );
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw bad('is not a setting');
    const [, key, rest] = m;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const close = rest.indexOf(quote, 1);
      if (close < 0) throw bad(`has an unterminated quote (${quote})`);
      const after = rest.slice(close + 1).trim();
      if (after && !after.startsWith('#')) throw bad(`has ${JSON.stringify(after)} after the closing quote`);
      out[key] = rest.slice(1, close);
    } else {
      out[key] = rest.replace(/\s+#.*$/, '').trim();
    }
  }
  return out;
}

export const ENV_FILE = '.workshop.env';

/**
 * The environment with .workshop.env underneath: a variable set in the process wins over the file. A missing file is
 * no settings; a line it cannot read throws (parseEnvFile).
 */
export function workshopEnv(env: Env = process.env, file: string = path.join(repoRoot(), ENV_FILE)): Env {
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // no saved settings
  }
  const saved: Env = text === undefined ? {} : parseEnvFile(text, file);
  const merged: Env = { ...saved };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return merged;
}

/**
 * Attendee ids that differ only by case (alice, Alice) name different tables on AWS, whose table names are
 * case-sensitive, but not on DynamoDB Local: its tables live in SQLite, whose names are not, so creating ws-att-alice
 * next to ws-att-Alice fails with an unexplained HTTP 500 InternalFailure after the SDK's 4 attempts (measured on
 * the pinned DynamoDB Local; DescribeTable of the one not created says it does not exist). Given the tables that
 * exist, returns the error that explains it on the local target, or undefined when nothing collides.
 */
export function tableCaseCollision(tableName: string, existing: readonly string[], target: Target): WorkshopError | undefined {
  if (target !== 'local') return undefined;
  const other = existing.find((t) => t !== tableName && t.toLowerCase() === tableName.toLowerCase());
  if (!other) return undefined;
  return new WorkshopError(
    'TABLE_NAME_CASE_COLLISION',
    `Table ${tableName} cannot be created on DynamoDB Local next to ${other}: DynamoDB Local compares table names ` +
      `without regard to case (AWS does not), so ATTENDEE_ID values that differ only by case share one table name there.`,
    `use an ATTENDEE_ID that differs from ${JSON.stringify(other.startsWith(TABLE_PREFIX) ? other.slice(TABLE_PREFIX.length) : other)} by more than case ` +
      '(run: bash tools/attendee.sh <another id>, then restart the kernel), or give each attendee their own DynamoDB Local (DDB_LOCAL_PORT)',
  );
}

/** Reads the workshop's settings (environment, then .workshop.env); throws a WorkshopError naming what to fix. */
export function loadConfig(env: Env = workshopEnv()): WorkshopConfig {
  const attendeeId = validateAttendeeId(env.ATTENDEE_ID);
  const target = parseTarget(env.WORKSHOP_TARGET);
  const region = (env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION).trim();
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new WorkshopError(
      'REGION_INVALID',
      `AWS_REGION="${region}" is not an AWS region name.`,
      `run: export AWS_REGION=${DEFAULT_REGION}`,
    );
  }
  return {
    attendeeId,
    tableName: validateTableName(TABLE_PREFIX + attendeeId),
    region,
    profile: (env.AWS_PROFILE || DEFAULT_PROFILE).trim(),
    target,
    endpoint: parseEndpoint(env.DDB_ENDPOINT),
    localPort: parsePort(env.DDB_LOCAL_PORT),
  };
}
