// Answers that are not the service's, and cross-tenant leaks: what a cell prints must be one true sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createClients } from '../../src/client';
import { loadConfig } from '../../src/config';
import { explainError, translateAwsError, unexpectedAnswer, WorkshopError } from '../../src/errors';
import { createServer } from 'node:net';
import { freePort } from '../helpers/local';
import { explainLeak } from '../../src/tenancy/isolation';

/** What the SDK throws when an HTML page comes back where JSON was expected (shape taken from @smithy/core). */
function htmlAnswer(): Error {
  const e = new SyntaxError(
    'Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
  );
  return Object.assign(e, {
    $metadata: { httpStatusCode: 500 },
    $response: { statusCode: 500, body: '<!doctype html><html><head><title>500 Internal Server Error</title></head></html>' },
  });
}

test('an HTML 500 becomes UNEXPECTED_ANSWER naming service, operation, endpoint and what to check', () => {
  const out = translateAwsError(htmlAnswer(), {
    service: 'DynamoDB',
    operation: 'UpdateContributorInsights',
    endpoint: 'http://127.0.0.1:5000',
  });
  assert.ok(out instanceof WorkshopError);
  assert.equal(out.code, 'UNEXPECTED_ANSWER');
  assert.equal(
    out.message.split('\n')[0],
    'DynamoDB UpdateContributorInsights got an answer that is not DynamoDB\'s from http://127.0.0.1:5000 (HTTP 500: "500 Internal Server Error").',
  );
  assert.match(out.fix, /DDB_ENDPOINT \/ AWS_ENDPOINT_URL/);
  // On AWS itself, the advice is about the network, not about a stand-in.
  const onAws = translateAwsError(htmlAnswer(), { service: 'CloudWatch', operation: 'GetMetricData', endpoint: 'aws' });
  assert.match(
    String((onAws as Error).message),
    /^CloudWatch GetMetricData got an answer that is not CloudWatch's from the CloudWatch endpoint/,
  );
  assert.match((onAws as WorkshopError).fix, /proxy or network filter/);
});

test('real service errors are not mistaken for unexpected answers', () => {
  const conditional = Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $metadata: { httpStatusCode: 400 },
    $response: { statusCode: 400 },
  });
  assert.equal(unexpectedAnswer(conditional), undefined);
  assert.equal(translateAwsError(conditional), conditional);
});

test('explainError: a WorkshopError keeps its fix, anything else is one line with no stack', () => {
  assert.match(explainError(new WorkshopError('TABLE_MISSING', 'problem', 'run: this')), /problem\n {2}-> run: this/);
  const e = Object.assign(new Error('first line\nsecond line'), { name: 'ValidationException' });
  assert.equal(explainError(e), 'ValidationException: first line');
});

test('explainLeak says what a cross-tenant request that got through means on each target', () => {
  assert.match(explainLeak('local', 'http://127.0.0.1:8000'), /bug in the workshop/);
  assert.match(explainLeak('aws', 'http://127.0.0.1:5000'), /not to AWS: that endpoint does not enforce IAM condition keys/);
  assert.match(explainLeak('aws', 'aws'), /scripts\/tenant-role\/deploy\.sh/);
});

test('nothing answering at the endpoint names the setting that chose it, not a raw ECONNREFUSED', async () => {
  const port = await freePort(); // free: nothing listens there
  const viaEndpoint = await createClients(
    loadConfig({ ATTENDEE_ID: 'x1', WORKSHOP_TARGET: 'local', DDB_ENDPOINT: `http://127.0.0.1:${port}` }),
    { sdk: { maxAttempts: 1 } },
  );
  try {
    await assert.rejects(() => viaEndpoint.ddb.send(new ListTablesCommand({})), {
      code: 'ENDPOINT_UNREACHABLE',
      message: new RegExp(
        `^DynamoDB ListTables: nothing answers at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED; set by DDB_ENDPOINT\\)`,
      ),
    });
  } finally {
    viaEndpoint.ddb.destroy();
  }
  const viaPort = await createClients(loadConfig({ ATTENDEE_ID: 'x1', DDB_LOCAL_PORT: String(port) }), {
    startLocal: false,
    sdk: { maxAttempts: 1 },
  });
  try {
    await assert.rejects(() => viaPort.ddb.send(new ListTablesCommand({})), {
      code: 'ENDPOINT_UNREACHABLE',
      message: new RegExp(`set by DDB_LOCAL_PORT=${port}\\)[\\s\\S]*the engine this run was using is gone or not answering`),
    });
  } finally {
    viaPort.ddb.destroy();
  }
});

test('a port that accepts and never answers: the call ends at its deadline, naming the setting (no hang)', async () => {
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer((s) => sockets.push(s)); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const clients = await createClients(
    loadConfig({ ATTENDEE_ID: 'x2', WORKSHOP_TARGET: 'local', DDB_ENDPOINT: `http://127.0.0.1:${port}` }),
    { sdk: { maxAttempts: 1 } },
  );
  try {
    await assert.rejects(() => clients.ddb.send(new ListTablesCommand({})), {
      code: 'ENDPOINT_UNREACHABLE',
      message: new RegExp(`nothing answers at http://127\\.0\\.0\\.1:${port} \\(ETIMEDOUT; set by DDB_ENDPOINT\\)`),
    });
  } finally {
    clients.ddb.destroy();
    for (const s of sockets) s.destroy();
    silent.close();
  }
});
