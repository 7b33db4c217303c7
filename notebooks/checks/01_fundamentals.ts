// The check behind 01_fundamentals.ipynb's checkpoint: runs the answer's Query for u123 (seeded by the notebook: a
// profile and two orders) and says what is wrong with the result, without printing the expected one.
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { WorkshopClients } from '../workshop/client';
import { queryInputProblems } from '../workshop/exercises';
import { ORDER_PREFIX, orderSk, userPk } from '../workshop/keys';
import { queryAll } from '../workshop/reads';

export const CHECK_USER = 'u123';
const NEWEST_FIRST = [orderSk('20250928', 'o2'), orderSk('20250927', 'o1')];

export async function checkOrdersNewestFirst(
  clients: WorkshopClients,
  tableName: string,
  build: (tableName: string, userId: string) => QueryCommandInput,
): Promise<string[]> {
  const input = build(tableName, CHECK_USER);
  const shape = queryInputProblems(input);
  if (shape.length > 0) return shape;
  if (!input.KeyConditionExpression) return ['a Query needs a KeyConditionExpression: the condition on the keys it reads'];
  const problems: string[] = [];
  if (input.FilterExpression) {
    problems.push('use the key condition, not a FilterExpression: a filter drops items after they are read, and paid for');
  }
  // A malformed request throws here; evaluateCheckpoint turns DynamoDB's complaint into one line.
  const items = (await queryAll(clients.doc, input)).items;
  const sks = items.map((i) => String(i.SK));
  if (items.some((i) => i.PK !== userPk(CHECK_USER))) {
    problems.push(`the result holds items of other users: the key condition must select ${CHECK_USER}'s partition`);
  }
  const notOrders = sks.filter((sk) => !sk.startsWith(ORDER_PREFIX));
  if (notOrders.length > 0) {
    problems.push(`the result also holds ${notOrders.join(', ')}: narrow the key condition to the orders`);
  }
  const orders = sks.filter((sk) => NEWEST_FIRST.includes(sk));
  if (orders.length < NEWEST_FIRST.length) {
    problems.push(`the result holds ${orders.length} of ${CHECK_USER}'s ${NEWEST_FIRST.length} orders`);
  } else if (JSON.stringify(orders) !== JSON.stringify(NEWEST_FIRST)) {
    problems.push('the orders come back oldest first: ask DynamoDB for the newest first');
  }
  return problems;
}
