import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { HttpResponse } from '@smithy/core/protocols';
import { onEachAttempt, onEachCall, wrapHandler } from '../../src/model/intercept';
import { bodyText, jsonError } from '../../src/local/wire';

// No network: port 9 (discard) refuses, so anything that reaches the real handler fails fast.
function client(): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 2,
  });
}

function ok(body: Record<string, unknown>): { response: HttpResponse } {
  const text = JSON.stringify(body);
  return {
    response: new HttpResponse({
      statusCode: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(text)) },
      body: Readable.from([Buffer.from(text)]),
    }),
  };
}

test('wrapHandler answers in place of the engine (parsed by the SDK, retried by it), and uninstalls', async () => {
  const ddb = client();
  const seen: string[] = [];
  let n = 0;
  const uninstall = wrapHandler(ddb, 'fakeEngine', async (request) => {
    seen.push(`${request.headers['x-amz-target']} ${bodyText(request.body)}`);
    // first attempt throttled, the SDK's retry strategy tries again
    if (n++ === 0)
      return jsonError(
        { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' },
        'r1',
      );
    return ok({ Item: { PK: { S: 'a' } } });
  });
  const calls: string[] = [];
  const attempts: number[] = [];
  const offCall = onEachCall(ddb, 'calls', async (args, next, context) => {
    calls.push(String(context.commandName));
    return next(args);
  });
  const offAttempt = onEachAttempt(ddb, 'attempts', async (args, next) => {
    try {
      const out = await next(args);
      attempts.push(HttpResponse.isInstance(out.response) ? out.response.statusCode : 0);
      return out;
    } catch (err) {
      attempts.push(400);
      throw err;
    }
  });
  const out = await ddb.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'a' } } }));
  assert.deepEqual(out.Item, { PK: { S: 'a' } });
  assert.equal(out.$metadata.attempts, 2);
  assert.equal(seen.length, 2);
  assert.match(seen[0], /^DynamoDB_20120810\.GetItem \{"TableName":"t"/);
  assert.deepEqual(calls, ['GetItemCommand']);
  assert.deepEqual(attempts, [400, 200]);

  uninstall();
  uninstall(); // idempotent
  offCall();
  offAttempt();
  await assert.rejects(ddb.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'a' } } })), (e: Error) =>
    /ECONNREFUSED|connect/i.test(`${e.message} ${(e as { code?: string }).code ?? ''}`),
  );
  assert.equal(seen.length, 2, 'uninstalled: the engine (here: nobody) answers');
  assert.deepEqual(calls, ['GetItemCommand']);
  ddb.destroy();
});

test('wrapHandler forwards (possibly rewritten) requests to the real handler', async () => {
  const ddb = client();
  const uninstall = wrapHandler(ddb, 'passThrough', (request, forward) => forward(request));
  await assert.rejects(ddb.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'a' } } })), (e: Error) =>
    /ECONNREFUSED|connect/i.test(`${e.message} ${(e as { code?: string }).code ?? ''}`),
  );
  uninstall();
  ddb.destroy();
});
