// Reference answers for 01_fundamentals.ipynb's checkpoint. Try your own first!
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ORDER_PREFIX, userPk } from '../workshop/keys';

/** Only the user's orders (not the profile), newest first: one Query, no Scan, no filter. */
export function ordersNewestFirst(tableName: string, userId: string): QueryCommandInput {
  return {
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :order)',
    ExpressionAttributeValues: { ':pk': userPk(userId), ':order': ORDER_PREFIX },
    ScanIndexForward: false,
  };
}
