// One port parser for DDB_LOCAL_PORT, tools/local-ddb.ts --port and ensureLocal (issue 13, minor): decimal digits
// 1-65535 only, and a message that says what to set instead of a RangeError stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, parsePort } from '../../src/config';
import { WorkshopError } from '../../src/errors';

const root = path.resolve(__dirname, '../..');

test('decimal ports 1-65535 are accepted; unset means 8000', () => {
  assert.equal(parsePort('1'), 1);
  assert.equal(parsePort('8000'), 8000);
  assert.equal(parsePort('65535'), 65535);
  assert.equal(parsePort(undefined), 8000);
  assert.equal(parsePort(''), 8000);
  assert.equal(loadConfig({ ATTENDEE_ID: 'a', DDB_LOCAL_PORT: '8123' }).localPort, 8123);
});

test('hex, exponents, signs, decimals, words and out-of-range numbers are refused with the setting named', () => {
  for (const raw of ['0x2071', '1e3', '+8000', '-1', '8000.0', '8000.5', 'abc', '0', '65536', '080 80', 'Infinity']) {
    assert.throws(
      () => loadConfig({ ATTENDEE_ID: 'a', DDB_LOCAL_PORT: raw }),
      (err: unknown) => {
        assert.ok(err instanceof WorkshopError, `${raw}: ${err}`);
        assert.equal(err.code, 'PORT_INVALID');
        assert.match(err.message, new RegExp(`DDB_LOCAL_PORT="${raw.replace(/[.+]/g, '\\$&')}" is not a TCP port`));
        assert.match(err.message, /decimal/);
        assert.match(err.message, /export DDB_LOCAL_PORT=8000/);
        return true;
      },
      raw,
    );
  }
});

function cli(args: string[], env: Record<string, string>) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-port-'));
  try {
    return spawnSync(process.execPath, ['--import', 'tsx', 'tools/local-ddb.ts', ...args, '--state-dir', stateDir], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

test('tools/local-ddb.ts: DDB_LOCAL_PORT=abc is a one-line message, not a RangeError stack', () => {
  const r = cli(['start'], { DDB_LOCAL_PORT: 'abc' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /DDB_LOCAL_PORT="abc" is not a TCP port/);
  assert.match(r.stderr, /export DDB_LOCAL_PORT=8000/);
  assert.doesNotMatch(r.stderr, /RangeError|\n\s+at /);
});

test('tools/local-ddb.ts: --port 0x2071 is refused (not read as 8305), naming --port', () => {
  const r = cli(['status', '--port', '0x2071'], {});
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--port="0x2071" is not a TCP port/);
  assert.match(r.stderr, /--port 8000/);
  assert.doesNotMatch(r.stdout, /8305/);
});
