// An AWS stand-in for the aws target's tests: moto's server mode (PyPI `moto[server]`, from requirements-dev.txt)
// on a free loopback port, and a throw-away AWS config that points the `dynamodb-workshop` profile at it — exactly
// what an attendee's machine holds after `aws configure sso`, with static test credentials instead of an SSO login.
// What moto does not emulate (IAM condition keys, throttling, Contributor Insights, real capacity) is listed in the
// README's "Local vs AWS" section and stays covered by the local target's enforcer and emulator.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './runner/server';
import { outputTail } from './runner/procs';

const repo = path.resolve(__dirname, '..');
export const venvDir = process.env.WORKSHOP_VENV ? path.resolve(process.env.WORKSHOP_VENV) : path.join(repo, '.venv');
export const venvBin = path.join(venvDir, 'bin');

/** moto's default account: a 12-digit id that is not DynamoDB Local's 000000000000, as on any real account. */
export const STANDIN_ACCOUNT_ID = '123456789012';
export const STANDIN_REGION = 'ap-southeast-1';
export const PROFILE = 'dynamodb-workshop';

export interface AwsStandin {
  endpoint: string;
  port: number;
  /** the folder holding config + credentials */
  awsDir: string;
  /**
   * The environment of an attendee on the aws target, profile-based: AWS_PROFILE=dynamodb-workshop whose config
   * carries `endpoint_url`, and no AWS_* credentials in the environment. HOME points at a throw-away folder.
   */
  env: NodeJS.ProcessEnv;
  /** forget every table, role and metric (moto's reset API) */
  reset(): Promise<void>;
  /** moto's request recorder: start (and empty) it, then read what reached the stand-in since */
  startRecording(): Promise<void>;
  recorded(): { method: string; url: string; body: string }[];
  stop(): Promise<void>;
}

/** AWS_* variables that would leak the developer's own setup into a test. */
export const AWS_ENV_VARS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL_CLOUDWATCH',
  'AWS_ENDPOINT_URL_IAM',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'DDB_ENDPOINT',
  'DDB_LOCAL_PORT',
  'WORKSHOP_TARGET',
  'WORKSHOP_TENANT_ROLE_ARN',
  'WORKSHOP_SHARED_TABLE',
  'ATTENDEE_ID',
];

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of AWS_ENV_VARS) delete env[k];
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

export function motoServerPath(): string | undefined {
  const p = path.join(venvBin, 'moto_server');
  return fs.existsSync(p) ? p : undefined;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const r = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    return r.ok;
  } catch {
    return false;
  }
}

export async function startAwsStandin(): Promise<AwsStandin> {
  const bin = motoServerPath();
  if (!bin) throw new Error(`moto_server is not in ${venvBin}: run WORKSHOP_DEV=1 bash tools/setup.sh`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const tail = outputTail(40);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-aws-standin-'));
  const recording = path.join(home, 'moto-recording.jsonl');
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv({ MOTO_RECORDER_FILEPATH: recording }),
  });
  child.stdout?.on('data', tail.keep);
  child.stderr?.on('data', tail.keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const deadline = Date.now() + 60_000;
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${endpoint}:\n${tail.lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const awsDir = path.join(home, '.aws');
  fs.mkdirSync(awsDir);
  fs.writeFileSync(
    path.join(awsDir, 'config'),
    [`[profile ${PROFILE}]`, `region = ${STANDIN_REGION}`, `endpoint_url = ${endpoint}`, ''].join('\n'),
  );
  // Static test credentials (moto accepts any); an attendee's profile holds SSO settings instead.
  fs.writeFileSync(
    path.join(awsDir, 'credentials'),
    [`[${PROFILE}]`, 'aws_access_key_id = standin', 'aws_secret_access_key = standin', ''].join('\n'),
  );
  const env = cleanEnv({
    HOME: home,
    AWS_CONFIG_FILE: path.join(awsDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(awsDir, 'credentials'),
    AWS_PROFILE: PROFILE,
    AWS_REGION: STANDIN_REGION,
    WORKSHOP_TARGET: 'aws',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  return {
    endpoint,
    port,
    awsDir,
    env,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    startRecording: async () => {
      await fetch(`${endpoint}/moto-api/recorder/reset-recording`, { method: 'POST' });
      await fetch(`${endpoint}/moto-api/recorder/start-recording`, { method: 'POST' });
    },
    recorded: () =>
      fs.existsSync(recording)
        ? fs
            .readFileSync(recording, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { method: string; url: string; body: string; body_encoded?: boolean })
            .map((r) => ({ ...r, body: r.body_encoded ? Buffer.from(r.body, 'base64').toString('utf8') : (r.body ?? '') }))
        : [],
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The instructor's one-time step on an account, here on the stand-in: the tenant role section 4 assumes. */
export function deployTenantRole(env: NodeJS.ProcessEnv): string {
  const r = spawnSync('bash', ['scripts/tenant-role/deploy.sh'], {
    cwd: repo,
    env: { ...env, PATH: `${venvBin}:${env.PATH ?? process.env.PATH}` },
    encoding: 'utf8',
  });
  const roleArn = /WORKSHOP_TENANT_ROLE_ARN=(\S+)/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !roleArn) {
    throw new Error(`scripts/tenant-role/deploy.sh failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return roleArn;
}
