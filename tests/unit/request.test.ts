// One reading of a Query's partition key for the emulator, the IAM enforcer and the recorder: every way a request
// can name it (either operand order, placeholders for names, the legacy KeyConditions parameter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyConditionPartitionKey } from '../../src/model/request';
import { queryPartitionKey } from '../../src/local/emulator';
import { authorizationRequests, simulateRequest } from '../../src/local/enforcer';
import { assumedRoleArn, tableArn, tenantPolicy } from '../../src/tenancy/policy';

const v = { ':p': { S: 'TENANT#acme#USER#u1' }, ':s': { S: 'ORDER#' } };

test('the partition key of a key condition, in every spelling DynamoDB accepts', () => {
  const cases: Record<string, unknown>[] = [
    { KeyConditionExpression: 'PK = :p', ExpressionAttributeValues: v },
    { KeyConditionExpression: ':p = PK', ExpressionAttributeValues: v },
    {
      KeyConditionExpression: '#pk = :p AND begins_with(SK, :s)',
      ExpressionAttributeNames: { '#pk': 'PK' },
      ExpressionAttributeValues: v,
    },
    { KeyConditionExpression: ':p=#pk and SK >= :s', ExpressionAttributeNames: { '#pk': 'PK' }, ExpressionAttributeValues: v },
    { KeyConditionExpression: 'SK > :s AND :p = PK', ExpressionAttributeValues: v },
    { KeyConditionExpression: 'PK = :p', ExpressionAttributeValues: { ':p': 'TENANT#acme#USER#u1' } }, // lib-dynamodb
    { KeyConditions: { PK: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'TENANT#acme#USER#u1' }] } } },
  ];
  for (const c of cases) assert.equal(keyConditionPartitionKey(c, 'PK'), 'TENANT#acme#USER#u1', JSON.stringify(c));
  assert.equal(queryPartitionKey, keyConditionPartitionKey, 'the emulator reads it the same way');
  assert.equal(keyConditionPartitionKey({ KeyConditionExpression: 'SK = :s', ExpressionAttributeValues: v }, 'PK'), undefined);
  assert.equal(keyConditionPartitionKey({ KeyConditionExpression: 'SK <= :s', ExpressionAttributeValues: v }, 'PK'), undefined);
  assert.equal(
    keyConditionPartitionKey({ KeyConditionExpression: 'PK = :missing', ExpressionAttributeValues: v }, 'PK'),
    undefined,
  );
});

test("the enforcer allows a tenant's own Query however the condition is written, and denies another tenant's", async () => {
  const arn = tableArn('ws-shared', { region: 'ap-southeast-1', accountId: '000000000000' });
  const policy = tenantPolicy({ tableArn: arn });
  const schemaOf = () => ({ hash: 'PK', indexes: {} });
  const decide = async (body: Record<string, unknown>) => {
    const [req] = authorizationRequests('Query', { TableName: 'ws-shared', ...body }, schemaOf, () => arn);
    return (
      await simulateRequest({
        policy,
        principalArn: assumedRoleArn('000000000000', 'ws-tenant', 'acme.t'),
        tenantId: 'acme',
        action: req.action,
        resource: req.resource,
        leadingKeys: req.leadingKeys,
        accountId: '000000000000',
      })
    ).allowed;
  };
  assert.equal(await decide({ KeyConditionExpression: ':p = PK', ExpressionAttributeValues: v }), true);
  assert.equal(
    await decide({ KeyConditions: { PK: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'TENANT#acme#USER#u1' }] } } }),
    true,
  );
  assert.equal(
    await decide({ KeyConditionExpression: ':p = PK', ExpressionAttributeValues: { ':p': { S: 'TENANT#globex#USER#u1' } } }),
    false,
  );
});

test("a BatchWriteItem entry carrying an own put AND another tenant's delete is authorised on both keys", () => {
  const arn = tableArn('ws-shared', { region: 'ap-southeast-1', accountId: '000000000000' });
  const [req] = authorizationRequests(
    'BatchWriteItem',
    {
      RequestItems: {
        'ws-shared': [
          {
            PutRequest: { Item: { PK: { S: 'TENANT#acme#USER#u1' }, SK: { S: 'A' } } },
            DeleteRequest: { Key: { PK: { S: 'TENANT#globex#USER#u1' }, SK: { S: 'A' } } },
          },
        ],
      },
    },
    () => ({ hash: 'PK', indexes: {} }),
    () => arn,
  );
  assert.deepEqual(req.leadingKeys, ['TENANT#acme#USER#u1', 'TENANT#globex#USER#u1']);
});
