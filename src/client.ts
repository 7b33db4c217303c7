import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DYNAMODB_RETRY,
  attachClock,
  clockFor,
  clockRetryStrategy,
  isVirtualClock,
  type VirtualClock,
  type WorkshopClock,
} from './clock';
import { type WorkshopConfig, loadConfig, workshopEnv } from './config';
import { LOCAL_CREDENTIALS, ensureLocal, endpointFor } from './local/engine';
import { addAwsValidation } from './local/fidelity';
import { installRoomMeter } from './room/meter';
import { addTableOperationLimit, tableOperationLimit } from './local/table-operations';
import { REQUEST_DEADLINE, addErrorTranslation, awsCredentials, credentialSource, resolveAwsEndpoints } from './aws';

export interface WorkshopClients {
  config: WorkshopConfig;
  ddb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Where requests go: the local endpoint, DDB_ENDPOINT, a configured endpoint_url, or "aws" (the regional one). */
  endpoint: string;
  /** aws target: where the credentials come from (environment variables or the profile), said by 00_setup. */
  credentials?: string;
  /** The clock this kernel's waits run on (src/clock.ts): the emulator, the batch re-drive and retries read it. */
  clock?: WorkshopClock;
}

/** The SDK options for a config: no side effects (the local engine is started by createClients). */
export function clientOptions(config: WorkshopConfig, extra: Partial<DynamoDBClientConfig> = {}): DynamoDBClientConfig {
  if (config.target === 'aws') {
    const endpoint = config.endpoint ?? config.awsEndpoints?.dynamodb;
    return {
      region: config.region,
      credentials: awsCredentials(config),
      requestHandler: REQUEST_DEADLINE,
      ...(endpoint ? { endpoint } : {}),
      ...extra,
    };
  }
  return {
    region: config.region,
    endpoint: config.endpoint ?? endpointFor(config.localPort),
    credentials: LOCAL_CREDENTIALS,
    requestHandler: REQUEST_DEADLINE,
    ...extra,
  };
}

export interface CreateClientsOptions {
  /** Start DynamoDB Local if it is not running (local target without DDB_ENDPOINT). Default true. */
  startLocal?: boolean;
  inMemory?: boolean;
  sdk?: Partial<DynamoDBClientConfig>;
  /** Settings read for the opt-in emulations (WORKSHOP_TABLE_OPERATION_LIMIT, WORKSHOP_ROOM). Default: workshopEnv(). */
  env?: Record<string, string | undefined>;
}

/** The one factory for the workshop's DynamoDB clients, on whichever target the environment selects. */
export async function createClients(
  config: WorkshopConfig = loadConfig(),
  options: CreateClientsOptions = {},
): Promise<WorkshopClients> {
  let endpoint: string;
  if (config.target === 'local' && !config.endpoint) {
    if (options.startLocal !== false) {
      const local = await ensureLocal({ port: config.localPort, inMemory: options.inMemory });
      endpoint = local.endpoint;
    } else {
      endpoint = endpointFor(config.localPort);
    }
  } else if (config.target === 'aws') {
    config = { ...config, awsEndpoints: await resolveAwsEndpoints(config) };
    endpoint = config.awsEndpoints?.dynamodb ?? 'aws';
  } else {
    endpoint = config.endpoint ?? 'aws';
  }
  const env = options.env ?? workshopEnv();
  const clock = clockFor(env);
  // On a virtual clock the SDK's retry delay is slept on the clock too (unless the caller chose a strategy).
  // Its max attempts are the client's own (resolved from sdk.maxAttempts, AWS_MAX_ATTEMPTS, or DynamoDB's 4).
  let ddb: DynamoDBClient | undefined;
  const sdk =
    isVirtualClock(clock) && !options.sdk?.retryStrategy
      ? {
          ...options.sdk,
          retryStrategy: clockRetryStrategy(clock, {
            maxAttempts: () => (ddb ? ddb.config.maxAttempts() : Promise.resolve(DYNAMODB_RETRY.maxAttempts)),
          }),
        }
      : options.sdk;
  ddb = new DynamoDBClient(clientOptions(config, sdk));
  if (isVirtualClock(clock)) trackRequests(ddb, clock);
  const setting =
    config.target === 'local'
      ? config.endpoint
        ? 'DDB_ENDPOINT'
        : `DDB_LOCAL_PORT=${config.localPort}`
      : endpoint !== 'aws'
        ? "DDB_ENDPOINT / AWS_ENDPOINT_URL / the profile's endpoint_url"
        : undefined;
  addErrorTranslation(ddb.middlewareStack, { ...config, service: 'DynamoDB', endpoint, setting });
  // AWS validates its own requests; any other endpoint (DynamoDB Local, an AWS stand-in, another engine) may be
  // more lenient, so the workshop refuses there what AWS would refuse.
  if (config.target === 'local' || endpoint !== 'aws') addAwsValidation(ddb);
  // The rehearsal's emulation of the account's limit on simultaneous table operations (DynamoDB Local has none).
  const opLimit = config.target === 'local' ? tableOperationLimit(env) : undefined;
  if (opLimit) addTableOperationLimit(ddb, opLimit, new DynamoDBClient(clientOptions(config, options.sdk)));
  // With a room set on the local target, the kernel's consumed capacity is metered for the room's cost so far.
  if (config.target === 'local' && (env.WORKSHOP_ROOM ?? '').trim()) installRoomMeter(ddb);
  const doc = DynamoDBDocumentClient.from(ddb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  attachClock(clock, ddb, doc);
  const credentials = config.target === 'aws' ? credentialSource(config).description : undefined;
  return { config, ddb, doc, endpoint, clock, ...(credentials ? { credentials } : {}) };
}

/**
 * Marks every call of the client (first attempt to last answer, the SDK's retry delays excepted: the retry strategy
 * sleeps them as idle) as work in progress on the virtual clock, so simulated time never jumps under a request.
 */
function trackRequests(ddb: DynamoDBClient, clock: VirtualClock): void {
  ddb.middlewareStack.add((next) => (args) => clock.busy(() => next(args)), {
    step: 'initialize',
    priority: 'high',
    name: 'workshopVirtualClockBusy',
  });
}
