// CloudWatch on the aws target: the client (the workshop's SSO credentials and error messages), an AccessDenied
// explained, and GetMetricData for a table sent and parsed (the pure parts: cloudwatch-queries.ts, cloudwatch-series.ts).

import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { REQUEST_DEADLINE, addErrorTranslation, awsCredentials } from '../aws';
import type { WorkshopConfig } from '../config';
import { WorkshopError } from '../errors';
import { NO_DATAPOINTS_MESSAGE, type TableMetricsRequest, tableMetricsInput } from './cloudwatch-queries';
import { type MetricSeries, hasDatapoints, parseMetricData } from './cloudwatch-series';

/**
 * Runs one AWS call; an access denial becomes a WorkshopError naming the IAM action the workshop role lacks
 * (CloudWatch and Contributor Insights need permissions beyond the table's own).
 */
export async function explainAccess<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const name = (err as { name?: string } | undefined)?.name ?? '';
    if (/AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name)) {
      throw new WorkshopError(
        'CLOUDWATCH_ACCESS_DENIED',
        `AWS denied ${action}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        `the workshop role needs ${action}: ask the instructor to add it to the permission set`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** A CloudWatch client for the aws target, with the workshop's SSO credentials (and their error messages). */
export function createCloudWatchClient(config: WorkshopConfig, extra: Partial<CloudWatchClientConfig> = {}): CloudWatchClient {
  if (config.target !== 'aws') {
    throw new WorkshopError(
      'CLOUDWATCH_LOCAL',
      'CloudWatch exists only on AWS: DynamoDB Local publishes no metrics.',
      'on the local target use the metrics recorder (attachRecorder); or export WORKSHOP_TARGET=aws',
    );
  }
  const endpoint = config.awsEndpoints?.cloudwatch;
  const cw = new CloudWatchClient({
    region: config.region,
    credentials: awsCredentials(config),
    requestHandler: REQUEST_DEADLINE,
    ...(endpoint ? { endpoint } : {}),
    ...extra,
  });
  addErrorTranslation(cw.middlewareStack, { ...config, service: 'CloudWatch', endpoint });
  return cw;
}

export interface FetchedMetrics {
  input: GetMetricDataCommandInput;
  series: MetricSeries[];
  /** No series holds a datapoint yet. */
  empty: boolean;
  /** NO_DATAPOINTS_MESSAGE when empty. */
  message?: string;
}

/** Sends GetMetricData (following NextToken) and parses the answer. */
export async function fetchTableMetrics(
  cw: Pick<CloudWatchClient, 'send'>,
  req: TableMetricsRequest & { minutes?: number; now?: Date },
): Promise<FetchedMetrics> {
  const input = tableMetricsInput(req);
  const pages: GetMetricDataCommandOutput[] = [];
  let token: string | undefined;
  do {
    const next = token;
    const page = (await explainAccess('cloudwatch:GetMetricData', () =>
      cw.send(new GetMetricDataCommand({ ...input, NextToken: next })),
    )) as GetMetricDataCommandOutput;
    pages.push(page);
    token = page.NextToken;
  } while (token);
  const series = parseMetricData(pages, input.MetricDataQueries ?? []);
  const empty = !hasDatapoints(series);
  return empty ? { input, series, empty, message: NO_DATAPOINTS_MESSAGE } : { input, series, empty };
}
