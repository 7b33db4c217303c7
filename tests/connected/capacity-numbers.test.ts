// Number sizes as DynamoDB counts them, measured on DynamoDB Local: an item the model sizes at exactly 1,024 bytes
// must cost 1 write unit, and one byte more must cost 2 — so a size off by one byte shows, for every number shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { attributeValueSizeBytes, utf8ByteLength, WRITE_UNIT_BYTES } from '../../src/model/capacity';
import { waitActive, workshopTableInput } from '../../src/table';
import { startTestLocal, type TestLocal } from '../helpers/local';

const TABLE = 'ws-capacity-numbers';
const NUMBERS = [
  '0',
  '1',
  '7',
  '12',
  '100',
  '123',
  '1234',
  '1.5',
  '0.5',
  '0.05',
  '3.14159',
  '123.456',
  '-1',
  '-12',
  '-123.456',
  '-0.001',
  '1e10',
  '1.5e-7',
  '12345678901234567890',
  '-98765.4321',
  '-12.5',
  '1200',
  '0.001',
  '00012345678901234567890',
  '99999999999999999999999999999999999999',
];

let t: TestLocal;
before(async () => {
  t = await startTestLocal('capnum');
  await t.clients.ddb.send(new CreateTableCommand(workshopTableInput(TABLE)));
  await waitActive(t.clients.ddb, TABLE);
});
after(async () => {
  await t.stop();
});

let seq = 0;
async function unitsFor(n: string, pad: number): Promise<number> {
  const out = await t.clients.ddb.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: { PK: { S: 'p' }, SK: { S: `s${String(seq++).padStart(4, '0')}` }, n: { N: n }, pad: { S: 'x'.repeat(pad) } },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  return out.ConsumedCapacity?.CapacityUnits ?? Number.NaN;
}

for (const n of NUMBERS) {
  test(`number ${n}: sized as DynamoDB sizes it (1,024 bytes = 1 WCU, 1,025 = 2)`, async () => {
    // every attribute but the padding: names + values (SK is s0000-style, 5 bytes)
    const fixed = utf8ByteLength('PK') + 1 + utf8ByteLength('SK') + 5 + 1 + attributeValueSizeBytes({ N: n }) + 3;
    const pad = WRITE_UNIT_BYTES - fixed;
    assert.equal(await unitsFor(n, pad), 1, `${n}: the model says 1,024 bytes, DynamoDB charged more`);
    assert.equal(await unitsFor(n, pad + 1), 2, `${n}: the model says 1,025 bytes, DynamoDB charged less`);
  });
}
