// The one DescribeTable cache: an index another kernel added to a shared table after the cache described it is found
// (a request naming it asks DescribeTable again, once), and a table already known is not described again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { SchemaCache } from '../../src/model/schema-cache';

const table = (indexes: string[]): TableDescription => ({
  TableName: 'ws-shared',
  TableArn: 'arn:aws:dynamodb:ap-southeast-1:000000000000:table/ws-shared',
  KeySchema: [
    { AttributeName: 'PK', KeyType: 'HASH' },
    { AttributeName: 'SK', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: indexes.map((IndexName) => ({
    IndexName,
    KeySchema: [{ AttributeName: 'GSI1PK', KeyType: 'HASH' }],
    Projection: { ProjectionType: 'ALL' },
  })),
});

test('a request naming an index the cached schema lacks describes the table again; a known table is not', async () => {
  let described = 0;
  let indexes: string[] = [];
  const cache = new SchemaCache(async () => {
    described++;
    return table(indexes);
  });
  assert.deepEqual((await cache.get('ws-shared'))?.indexes, []);
  indexes = ['GSI1_TenantStatus']; // another attendee's kernel adds the index
  assert.equal((await cache.get('ws-shared'))?.indexes.length, 0, 'no index named: the cached schema serves');
  assert.equal(described, 1);
  const fresh = await cache.get('ws-shared', 'GSI1_TenantStatus');
  assert.deepEqual(
    fresh?.indexes.map((i) => i.name),
    ['GSI1_TenantStatus'],
  );
  assert.equal(described, 2);
  await cache.get('ws-shared', 'GSI1_TenantStatus');
  assert.equal(described, 2, 'the index is known now: no third DescribeTable');
});
