import { DescribeTableCommand, type DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';

/**
 * Requests AWS rejects but DynamoDB Local accepts. On the local target these are refused before they are sent,
 * with AWS's own error, so what works in the workshop also works on AWS.
 */

type Input = Record<string, unknown>;

export function validationError(message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

/** AWS's rule: on an on-demand table, a new GSI carries no ProvisionedThroughput (UpdateTable's wording). */
export function checkGsiThroughput(input: Input, billingMode: string | undefined): DynamoDBServiceException | undefined {
  const mode = (input.BillingMode as string | undefined) ?? billingMode;
  if (mode !== 'PAY_PER_REQUEST') return undefined;
  for (const u of (input.GlobalSecondaryIndexUpdates as Input[] | undefined) ?? []) {
    const create = u.Create as Input | undefined;
    if (create?.ProvisionedThroughput) {
      return validationError(
        `One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: ${create.IndexName} when BillingMode is PAY_PER_REQUEST`,
      );
    }
  }
  for (const g of (input.GlobalSecondaryIndexes as Input[] | undefined) ?? []) {
    if (g.ProvisionedThroughput) {
      return validationError(
        `One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: ${g.IndexName} when BillingMode is PAY_PER_REQUEST`,
      );
    }
  }
  return undefined;
}

/** Adds AWS's validation of GSI throughput to a client aimed at DynamoDB Local. */
export function addAwsValidation(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Input;
      if (context.commandName === 'CreateTableCommand') {
        const err = checkGsiThroughput(input, input.BillingMode as string | undefined);
        if (err) throw err;
      }
      if (context.commandName === 'UpdateTableCommand' && input.GlobalSecondaryIndexUpdates) {
        let mode = input.BillingMode as string | undefined;
        if (!mode) {
          const d = await client.send(new DescribeTableCommand({ TableName: input.TableName as string }));
          mode = d.Table?.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
        }
        const err = checkGsiThroughput(input, mode);
        if (err) throw err;
      }
      return next(args);
    },
    { step: 'initialize', name: 'workshopAwsValidation', priority: 'high' },
  );
}
