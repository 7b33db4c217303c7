/**
 * Settings shared by every AWS client the workshop makes (DynamoDB, STS, CloudWatch) on the aws target: one place
 * decides where credentials come from and where requests go, so a cell never talks to one endpoint with one
 * identity and the next cell to another.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, MiddlewareStack } from '@aws-sdk/types';
import { loadSharedConfigFiles } from '@smithy/core/config';
import type { WorkshopConfig } from './config';
import { type AwsErrorContext, translateAwsError } from './errors';

type Env = Record<string, string | undefined>;

/** The services the workshop calls, by the names AWS's endpoint settings use (AWS_ENDPOINT_URL_<NAME>, `services`). */
export type AwsService = 'dynamodb' | 'sts' | 'cloudwatch';

export type CredentialSource =
  | { kind: 'environment'; description: string }
  | { kind: 'profile'; profile: string; description: string };

/**
 * AWS's standard chain, made explicit: credentials in the environment (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY,
 * what the SSO portal's "Option 1" gives) win; otherwise the profile (dynamodb-workshop by default, an SSO profile).
 * Passing `profile` to the SDK's chain would skip the environment, hence the choice here.
 */
export function credentialSource(config: Pick<WorkshopConfig, 'profile'>, env: Env = process.env): CredentialSource {
  if ((env.AWS_ACCESS_KEY_ID ?? '').trim() && (env.AWS_SECRET_ACCESS_KEY ?? '').trim()) {
    const kind = env.AWS_SESSION_TOKEN ? 'temporary credentials' : 'access keys';
    return { kind: 'environment', description: `${kind} from environment variables (AWS_ACCESS_KEY_ID)` };
  }
  return { kind: 'profile', profile: config.profile, description: `profile ${config.profile} (~/.aws/config)` };
}

/** Wraps a credential provider so that an expired or missing SSO session says which command to run. */
export function explainingCredentials(
  provider: AwsCredentialIdentityProvider,
  ctx: { profile: string; region: string },
): AwsCredentialIdentityProvider {
  return async (): Promise<AwsCredentialIdentity> => {
    try {
      return await provider();
    } catch (err) {
      throw translateAwsError(err, ctx);
    }
  };
}

/** The workshop's credentials on the aws target, from the source credentialSource() names. */
export function awsCredentials(config: WorkshopConfig, env: Env = process.env): AwsCredentialIdentityProvider {
  const source = credentialSource(config, env);
  const chain = source.kind === 'environment' ? fromNodeProviderChain() : fromNodeProviderChain({ profile: config.profile });
  return explainingCredentials(chain, config);
}

function clean(url: string | undefined): string | undefined {
  const u = (url ?? '').trim();
  return u ? u.replace(/\/+$/, '') : undefined;
}

/**
 * Where a service's requests go when something redirects them, in AWS's documented order: AWS_ENDPOINT_URL_<SERVICE>,
 * AWS_ENDPOINT_URL, then the profile's `services` section and its `endpoint_url`. Undefined means AWS's regional
 * endpoint. (The SDK reads the profile's endpoint only when AWS_PROFILE is exported; the workshop's profile may come
 * from .workshop.env, so it is read here for the profile the workshop uses.)
 */
export function configuredEndpoint(
  service: AwsService,
  config: Pick<WorkshopConfig, 'profile'>,
  env: Env = process.env,
  files: { configFile: Record<string, Record<string, string | undefined>> } = { configFile: {} },
): string | undefined {
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  const fromEnv = clean(env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`]) ?? clean(env.AWS_ENDPOINT_URL);
  if (fromEnv) return fromEnv;
  if (credentialSource(config, env).kind === 'environment' && !env.AWS_PROFILE) return undefined;
  const profile = files.configFile[config.profile];
  if (!profile) return undefined;
  const servicesName = profile.services;
  const section = servicesName ? files.configFile[`services ${servicesName}`] : undefined;
  return clean(section?.[`${service}.endpoint_url`]) ?? clean(profile.endpoint_url);
}

/** Reads ~/.aws/config (or AWS_CONFIG_FILE) once per call; a missing file is no configured endpoint. */
export async function readAwsConfigFiles(): Promise<{ configFile: Record<string, Record<string, string | undefined>> }> {
  try {
    const files = await loadSharedConfigFiles({ ignoreCache: true });
    return { configFile: files.configFile as Record<string, Record<string, string | undefined>> };
  } catch {
    return { configFile: {} };
  }
}

/** Endpoints something redirects the workshop's services to (absent: AWS's regional endpoint). */
export type AwsEndpoints = Partial<Record<AwsService, string>>;

const SERVICES: AwsService[] = ['dynamodb', 'sts', 'cloudwatch'];

/** Reads the AWS config file once and resolves every service's configured endpoint. */
export async function resolveAwsEndpoints(config: WorkshopConfig, env: Env = process.env): Promise<AwsEndpoints> {
  const files = await readAwsConfigFiles();
  const out: AwsEndpoints = {};
  for (const s of SERVICES) {
    const e = s === 'dynamodb' && config.endpoint ? config.endpoint : configuredEndpoint(s, config, env, files);
    if (e) out[s] = e;
  }
  return out;
}

/**
 * Every request the workshop sends has a deadline: a port that accepts connections and never answers would
 * otherwise hang a cell for ever (the SDK only warns on requestTimeout unless told to throw). 15 s is far above any
 * single DynamoDB call of the workshop; the SDK's retries then report ENDPOINT_UNREACHABLE with the setting to check.
 */
export const REQUEST_DEADLINE = { connectionTimeout: 5_000, requestTimeout: 15_000, throwOnRequestTimeout: true } as const;

/** Errors a cell should read as one sentence with the fix; service errors (ConditionalCheckFailed…) keep their name. */
const REWRITTEN = new Set([
  'SSO_PROFILE_MISSING',
  'SSO_SESSION_EXPIRED',
  'NO_CREDENTIALS',
  'UNEXPECTED_ANSWER',
  'ENDPOINT_UNREACHABLE',
]);

/**
 * On every call of a client: credential failures the service returns (expired token, unknown key) and answers that
 * are not the service's (an HTML page) become a WorkshopError naming the service, the operation and what to do.
 */
export function addErrorTranslation<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  ctx: AwsErrorContext,
): void {
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const out = translateAwsError(err, { ...ctx, operation: context.commandName?.replace(/Command$/, '') });
        if (out !== err && REWRITTEN.has((out as { code?: string }).code ?? '')) throw out;
        throw err;
      }
    },
    { step: 'initialize', name: 'workshopErrorTranslation', priority: 'high' },
  );
}
