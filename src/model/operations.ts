/** DynamoDB's item-level (data plane) operations the workshop uses: the CloudWatch `Operation` dimension values. */
export const DATA_PLANE_OPERATIONS: readonly string[] = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
];

/** PartiQL operations (they accept ReturnConsumedCapacity too; DynamoDB Local returns none for them). */
export const PARTIQL_OPERATIONS: readonly string[] = ['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction'];
