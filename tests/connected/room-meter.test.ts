// The room's meter reads the metrics recorder (the one consumption observer): what the kernel reports into the room
// is what section 5's recorder and section 6's cost see, and the attendee's answers stay as they asked them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { consumptionFromRecorder } from '../../src/observe/cost';
import { attachRecorder, recorderOf } from '../../src/observe/metrics';
import { meteredUnits } from '../../src/room/meter';
import { ensureTable } from '../../src/table';
import { startTestLocal, type TestLocal } from '../helpers/local';

let t: TestLocal;
before(async () => {
  t = await startTestLocal('meter');
  await ensureTable(t.clients);
});
after(async () => {
  await t.stop();
});

function roomClients(room: string) {
  const env = { ATTENDEE_ID: 'meter', WORKSHOP_TARGET: 'local', WORKSHOP_ROOM: room, DDB_LOCAL_PORT: String(t.local.port) };
  return createClients(loadConfig(env), { startLocal: false, env });
}

test('with a room, the kernel total is the recorder’s: the same units, one recorder a notebook reuses', async () => {
  const clients = await roomClients('sg-meter');
  try {
    const recorder = recorderOf(clients);
    assert.ok(recorder, 'the meter attached the clients’ recorder');
    assert.equal(attachRecorder(clients), recorder, 'a notebook’s attachRecorder gets the same recorder');
    const before = { ...meteredUnits() };
    const put = await clients.doc.send(
      new PutCommand({ TableName: 'ws-att-meter', Item: { PK: 'M', SK: '1', v: 'y'.repeat(2500) } }),
    );
    assert.equal(put.ConsumedCapacity, undefined, 'an answer that did not ask carries no ConsumedCapacity');
    const got = await clients.doc.send(
      new GetCommand({ TableName: 'ws-att-meter', Key: { PK: 'M', SK: '1' }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    assert.equal(got.ConsumedCapacity?.CapacityUnits, 0.5, 'an answer that asked keeps it');
    const m = meteredUnits();
    const fromRecorder = consumptionFromRecorder(recorder);
    assert.equal(m.writeUnits - before.writeUnits, 3, 'a 2.5 KB put: 3 write units');
    assert.equal(m.readUnits - before.readUnits, 0.5);
    assert.equal(m.requests - before.requests, 2);
    assert.equal(fromRecorder.writeUnits, 3, 'the recorder counted the same units');
    assert.equal(fromRecorder.readUnits, 0.5);
  } finally {
    clients.ddb.destroy();
  }
});

test('the total survives a notebook’s reset() and detach() of the recorder', async () => {
  const clients = await roomClients('sg-meter');
  try {
    const put = () =>
      clients.doc.send(new PutCommand({ TableName: 'ws-att-meter', Item: { PK: 'M', SK: '2', v: 'x'.repeat(500) } }));
    const start = meteredUnits().writeUnits;
    await put();
    recorderOf(clients)?.reset();
    await put();
    assert.equal(meteredUnits().writeUnits - start, 2, 'counted calls stay counted after reset(); new ones are added');
    recorderOf(clients)?.detach();
    // The call that finds no recorder attaches one (the SDK has already built that call's steps: it goes unmeasured).
    await put();
    assert.ok(recorderOf(clients), 'after detach() the meter attaches a recorder again');
    await put();
    assert.equal(meteredUnits().writeUnits - start, 3, 'and counts the calls after it');
  } finally {
    clients.ddb.destroy();
  }
});

test('without a room nothing is metered and no recorder is attached', async () => {
  const env = { ATTENDEE_ID: 'meter', WORKSHOP_TARGET: 'local', DDB_LOCAL_PORT: String(t.local.port) };
  const clients = await createClients(loadConfig(env), { startLocal: false, env });
  try {
    const start = { ...meteredUnits() };
    await clients.doc.send(new PutCommand({ TableName: 'ws-att-meter', Item: { PK: 'M', SK: '3' } }));
    assert.deepEqual(meteredUnits(), start);
    assert.equal(recorderOf(clients), undefined);
  } finally {
    clients.ddb.destroy();
  }
});
