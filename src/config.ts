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
 * kernels do not see what an attendee exports in a terminal later, but they can read this file.
 */
export function parseEnvFile(text: string): Env {
  const out: Env = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

export const ENV_FILE = '.workshop.env';

/** The environment with .workshop.env underneath: a variable set in the process wins over the file. */
export function workshopEnv(env: Env = process.env, file: string = path.join(repoRoot(), ENV_FILE)): Env {
  let saved: Env = {};
  try {
    saved = parseEnvFile(fs.readFileSync(file, 'utf8'));
  } catch {
    // no saved settings
  }
  const merged: Env = { ...saved };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') merged[k] = v;
  return merged;
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
