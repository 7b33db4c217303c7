import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { REQUEST_DEADLINE, addErrorTranslation, awsCredentials } from './aws';
import type { WorkshopClients } from './client';
import { translateAwsError } from './errors';

export interface Identity {
  target: 'local' | 'aws';
  endpoint: string;
  region: string;
  tableName: string;
  /** On AWS: the caller ARN with the account id masked (outputs may be shared). Locally: a description. */
  principal: string;
  account?: string;
  /** aws target: where the credentials come from (environment variables win over the profile). */
  credentials?: string;
}

/** Masks an AWS account id so executed notebooks can be shared: 123456789012 -> 1234****9012. */
export function maskAccount(text: string): string {
  return text.replace(/\b(\d{4})\d{4}(\d{4})\b/g, '$1****$2');
}

/** "Who am I": sts get-caller-identity on AWS, the local endpoint otherwise. */
export async function whoAmI(clients: WorkshopClients): Promise<Identity> {
  const { config } = clients;
  const base = { target: config.target, endpoint: clients.endpoint, region: config.region, tableName: config.tableName };
  if (config.target !== 'aws') {
    return { ...base, principal: `DynamoDB Local at ${clients.endpoint} (no IAM: every request is allowed)` };
  }
  const sts = new STSClient({
    region: config.region,
    credentials: awsCredentials(config),
    requestHandler: REQUEST_DEADLINE,
    ...(config.awsEndpoints?.sts ? { endpoint: config.awsEndpoints.sts } : {}),
  });
  addErrorTranslation(sts.middlewareStack, { ...config, service: 'STS', endpoint: config.awsEndpoints?.sts });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return {
      ...base,
      principal: maskAccount(out.Arn ?? ''),
      account: maskAccount(out.Account ?? ''),
      credentials: clients.credentials,
    };
  } catch (err) {
    throw translateAwsError(err, config);
  } finally {
    sts.destroy();
  }
}
