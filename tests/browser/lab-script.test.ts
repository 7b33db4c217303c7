// tools/lab.sh, the attendees' entry point (the devcontainer runs it once per container start): JupyterLab from the
// venv answers on the port it was given, on loopback only, serves the Lab page, and offers the tslab kernel; a second
// start reuses it instead of opening another server; in a Codespace it runs detached, without a token but with no
// wildcard origin and no foreign Host; on the local target it starts DynamoDB Local beside JupyterLab (the first cell
// finds it ready) and stops it with JupyterLab. No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../helpers/local';
import { isAlive, outputTail, signal } from '../../tools/runner/procs';
import { endpointFor, isDynamoDb, isLocalEngine } from '../../src/local/engine';

const repo = path.resolve(__dirname, '..', '..');

/**
 * Jupyter's settings and runtime files, the attendee's working copy of the notebooks, and the DynamoDB Local lab.sh
 * starts (its port and state folder), of a test's own.
 */
function jupyterHome(home: string, ddbPort: number): Record<string, string> {
  return {
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(home, 'workspaces'),
    WORKSHOP_WORK_DIR: path.join(home, 'my-notebooks'),
    WORKSHOP_TARGET: 'local',
    DDB_ENDPOINT: '',
    DDB_LOCAL_PORT: String(ddbPort),
    DDB_LOCAL_DIR: path.join(home, 'ddb'),
  };
}

/** The pid recorded for the engine on `port` in lab.sh's state folder, once it answers (waits up to `ms`). */
async function engineUp(home: string, port: number, ms: number): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  const record = path.join(home, 'ddb', `state-${port}.json`);
  while (Date.now() < deadline) {
    if (fs.existsSync(record) && (await isDynamoDb(endpointFor(port), 1000)))
      return (JSON.parse(fs.readFileSync(record, 'utf8')) as { pid: number }).pid;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

async function gone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline && isAlive(pid); ) await new Promise((r) => setTimeout(r, 200));
  return !isAlive(pid);
}

const committed = () =>
  Object.fromEntries(
    fs
      .readdirSync(path.join(repo, 'notebooks'))
      .filter((f) => f.endsWith('.ipynb'))
      .map((f) => [f, fs.readFileSync(path.join(repo, 'notebooks', f), 'utf8')]),
  );

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

/** A GET with headers fetch will not send (Host). */
function get(
  port: number,
  p: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, headers, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
  });
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(3000) });
    return false;
  } catch {
    return true;
  }
}

test('tools/lab.sh starts JupyterLab with the tslab kernel on JUPYTER_PORT', { timeout: 200_000 }, async (t) => {
  const port = await freePort();
  const ddbPort = await freePort();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-lab-sh-'));
  const work = jupyterHome(home, ddbPort).WORKSHOP_WORK_DIR;
  let enginePid: number | undefined;
  const notebooksBefore = committed();
  const token = 'lab-sh-test-token';
  const child = spawn('bash', ['tools/lab.sh'], {
    cwd: repo,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CODESPACES: '',
      JUPYTER_PORT: String(port),
      JUPYTER_TOKEN: token,
      ...jupyterHome(home, ddbPort),
    },
  });
  const { keep, lines } = outputTail(80);
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const labGone = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  t.after(async () => {
    if (!exited && child.pid) signal(-child.pid, 'SIGTERM');
    await Promise.race([labGone, new Promise((r) => setTimeout(r, 10_000))]);
    if (!exited && child.pid) signal(-child.pid, 'SIGKILL');
    if (enginePid && !(await gone(enginePid, 15_000))) signal(enginePid, 'SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  });

  const base = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}` };
  const t0 = Date.now();
  let specs: { kernelspecs?: Record<string, unknown> } | undefined;
  while (!specs) {
    assert.ok(!exited, `tools/lab.sh exited early:\n${lines.join('\n')}`);
    assert.ok(Date.now() - t0 < 120_000, `JupyterLab did not answer on ${port} within 120 s:\n${lines.join('\n')}`);
    try {
      const r = await fetch(`${base}/api/kernelspecs`, { headers, signal: AbortSignal.timeout(2000) });
      if (r.ok) specs = (await r.json()) as typeof specs;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  t.diagnostic(
    `JupyterLab answered ${((Date.now() - t0) / 1000).toFixed(1)} s after tools/lab.sh started (setup.sh check included)`,
  );
  assert.ok(specs?.kernelspecs && 'tslab' in specs.kernelspecs, `no tslab kernelspec: ${JSON.stringify(specs)}`);
  // the venv also holds jslab (JavaScript) and python3: Lab's kernel picker must offer TypeScript only
  assert.deepEqual(Object.keys(specs.kernelspecs), ['tslab'], 'only the TypeScript kernel is offered');
  assert.equal((specs as { default?: string }).default, 'tslab', 'the default kernel is TypeScript');
  // DynamoDB Local on the local target's port, started with JupyterLab before any kernel asked for it
  const t1 = Date.now();
  enginePid = await engineUp(home, ddbPort, 60_000);
  assert.ok(enginePid, `DynamoDB Local did not answer on ${ddbPort} within 60 s of JupyterLab:\n${lines.join('\n')}`);
  assert.ok(isLocalEngine(enginePid, ddbPort), 'the recorded pid is the DynamoDB Local on that port');
  t.diagnostic(`DynamoDB Local answered ${((Date.now() - t1) / 1000).toFixed(1)} s after JupyterLab did`);
  const started = lines.find((l) => /\[lab\.sh\] DynamoDB Local started at/.test(l));
  assert.ok(started, `lab.sh says it started the engine:\n${lines.join('\n')}`);
  assert.match(started, /it stops with JupyterLab/);
  const lab = await fetch(`${base}/lab`, { headers });
  assert.equal(lab.status, 200);
  assert.match(await lab.text(), /JupyterLab/);
  const anonymous = await fetch(`${base}/api/kernelspecs`);
  assert.equal(anonymous.status, 403, 'outside Codespaces the Lab needs its token');
  const ip = externalAddress();
  if (ip) assert.ok(await refused(`http://${ip}:${port}/api`), `listens on loopback only, not on ${ip}`);

  // Lab serves the attendee's working copy, and what it saves there leaves the committed notebooks alone.
  const listing = (await (await fetch(`${base}/api/contents`, { headers })).json()) as { content: { name: string }[] };
  const names = listing.content.map((e) => e.name).sort();
  for (const n of ['00_setup.ipynb', '03_hot_partitions.ipynb', 'checks', 'solutions', 'workshop', 'instructor'])
    assert.ok(names.includes(n), `Lab's root holds ${n}: ${names.join(', ')}`);
  assert.ok(!names.includes('.upstream'), 'the record of the copied versions is hidden');
  assert.ok(fs.lstatSync(path.join(work, 'workshop')).isSymbolicLink(), 'workshop/ links to the compiled library');
  assert.equal(fs.realpathSync(path.join(work, 'workshop')), fs.realpathSync(path.join(repo, 'dist')));
  assert.equal(fs.realpathSync(path.join(work, 'checks')), path.join(repo, 'notebooks', 'checks'));
  assert.equal(fs.realpathSync(path.join(work, 'instructor', 'workshop')), fs.realpathSync(path.join(repo, 'dist')));
  const nb = (await (await fetch(`${base}/api/contents/01_fundamentals.ipynb`, { headers })).json()) as {
    content: { cells: { cell_type: string; outputs?: unknown[]; execution_count?: number | null }[] };
  };
  const code = nb.content.cells.find((c) => c.cell_type === 'code');
  assert.ok(code);
  code.outputs = [{ output_type: 'stream', name: 'stdout', text: 'an attendee ran this\n' }];
  code.execution_count = 1;
  const saved = await fetch(`${base}/api/contents/01_fundamentals.ipynb`, {
    method: 'PUT',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'notebook', format: 'json', content: nb.content }),
  });
  assert.equal(saved.status, 200, 'Lab saves the notebook');
  assert.match(fs.readFileSync(path.join(work, '01_fundamentals.ipynb'), 'utf8'), /an attendee ran this/);
  assert.deepEqual(committed(), notebooksBefore, 'notebooks/ is untouched: git pull cannot conflict');

  // After a `git pull` brought newer notebooks (simulated: the recorded versions the copies started from are made
  // older), running lab.sh again: a copy Lab never saved is replaced, the saved one is kept and the new one offered;
  // a deleted copy comes back; a new upstream notebook would be copied.
  const record = path.join(work, '.upstream');
  fs.writeFileSync(path.join(record, '01_fundamentals.ipynb'), '{"an": "older version"}');
  fs.writeFileSync(path.join(record, '02_single_table.ipynb'), '{"an": "older version"}');
  fs.writeFileSync(path.join(work, '02_single_table.ipynb'), '{"an": "older version"}');
  fs.rmSync(path.join(work, '00_setup.ipynb'));
  const mine = fs.readFileSync(path.join(work, '01_fundamentals.ipynb'), 'utf8');

  // A second start on the same port reuses the running server (no second server on the next port).
  const second = spawnSync('bash', ['tools/lab.sh'], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CODESPACES: '', JUPYTER_PORT: String(port), JUPYTER_TOKEN: token, ...jupyterHome(home, ddbPort) },
  });
  assert.equal(second.status, 0, `second tools/lab.sh: ${second.stdout}${second.stderr}`);
  assert.match(second.stdout, new RegExp(`already runs on port ${port}: http://127\\.0\\.0\\.1:${port}/lab\\?token=${token}`));
  assert.ok(await refused(`http://127.0.0.1:${port + 1}/api`), 'no server on the next port');
  const upstream = (n: string) => fs.readFileSync(path.join(repo, 'notebooks', n), 'utf8');
  assert.equal(fs.readFileSync(path.join(work, '01_fundamentals.ipynb'), 'utf8'), mine, 'the saved copy is kept');
  assert.equal(fs.readFileSync(path.join(work, '01_fundamentals.new.ipynb'), 'utf8'), upstream('01_fundamentals.ipynb'));
  assert.match(
    second.stdout,
    /01_fundamentals\.ipynb changed since your copy .* the new version is .*01_fundamentals\.new\.ipynb/,
  );
  assert.equal(fs.readFileSync(path.join(work, '02_single_table.ipynb'), 'utf8'), upstream('02_single_table.ipynb'));
  assert.match(second.stdout, /02_single_table\.ipynb: replaced by the newer version/);
  assert.ok(!fs.existsSync(path.join(work, '02_single_table.new.ipynb')), 'nothing to offer for an unsaved copy');
  assert.equal(fs.readFileSync(path.join(work, '00_setup.ipynb'), 'utf8'), upstream('00_setup.ipynb'), 'copied again');
  // the attendee takes the offer: deletes their copy, runs lab.sh again; the offer is tidied away
  fs.rmSync(path.join(work, '01_fundamentals.ipynb'));
  const third = spawnSync('bash', ['tools/lab.sh'], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CODESPACES: '', JUPYTER_PORT: String(port), JUPYTER_TOKEN: token, ...jupyterHome(home, ddbPort) },
  });
  assert.equal(third.status, 0, `third tools/lab.sh: ${third.stdout}${third.stderr}`);
  assert.equal(fs.readFileSync(path.join(work, '01_fundamentals.ipynb'), 'utf8'), upstream('01_fundamentals.ipynb'));
  assert.ok(!fs.existsSync(path.join(work, '01_fundamentals.new.ipynb')), 'the offer taken is removed');
  assert.deepEqual(committed(), notebooksBefore, 'notebooks/ is still untouched');

  assert.ok(isAlive(enginePid), 'a second lab.sh (Lab already running) leaves the engine to the first');

  signal(-(child.pid as number), 'SIGTERM');
  await Promise.race([labGone, new Promise((r) => setTimeout(r, 15_000))]);
  assert.ok(exited, 'JupyterLab stops on SIGTERM');
  assert.ok(await gone(enginePid, 20_000), `DynamoDB Local (pid ${enginePid}) stops with JupyterLab: no JVM left running`);
  assert.equal(await isDynamoDb(endpointFor(ddbPort), 1000), false, `nothing answers on ${ddbPort} any more`);
});

test('tools/lab.sh refuses a port held by something that is not Jupyter', { timeout: 60_000 }, async (t) => {
  const other = http.createServer((_req, res) => res.writeHead(404).end('not jupyter'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  t.after(() => other.close());
  const port = (other.address() as { port: number }).port;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-lab-sh-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const ddbPort = await freePort();
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('bash', ['tools/lab.sh'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CODESPACES: '', JUPYTER_PORT: String(port), ...jupyterHome(home, ddbPort) },
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => signal(child.pid as number, 'SIGKILL'), 45_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`Port ${port} is taken by something that is not a Jupyter server`));
  assert.ok(await refused(`http://127.0.0.1:${port + 1}/api`), 'no server on the next port');
});

test('in a Codespace: tools/lab.sh --background outlives its command; loopback, no token, no wildcard origin', {
  timeout: 150_000,
}, async (t) => {
  const port = await freePort();
  const ddbPort = await freePort();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-lab-sh-'));
  const log = path.join(home, 'jupyterlab.log');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CODESPACES: 'true',
    CODESPACE_NAME: 'ws-test',
    GITHUB_CODESPACES_PORT_FORWARDING_DOMAIN: 'app.github.dev',
    JUPYTER_PORT: String(port),
    JUPYTER_LAB_LOG: log,
    ...jupyterHome(home, ddbPort),
    // an attendee on AWS: no DynamoDB Local beside JupyterLab
    WORKSHOP_TARGET: 'aws',
  };
  delete env.JUPYTER_TOKEN;
  let pid = 0;
  t.after(async () => {
    if (pid && isAlive(pid)) {
      signal(-pid, 'SIGTERM');
      for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 200));
      if (isAlive(pid)) signal(-pid, 'SIGKILL');
    }
    fs.rmSync(home, { recursive: true, force: true });
  });
  const r = spawnSync('bash', ['tools/lab.sh', '--background'], { cwd: repo, encoding: 'utf8', timeout: 140_000, env });
  pid = Number(/\(pid (\d+)\)/.exec(r.stdout)?.[1] ?? 0);
  assert.equal(
    r.status,
    0,
    `tools/lab.sh --background: ${r.stdout}${r.stderr}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`,
  );
  assert.ok(pid > 0, `prints the server's pid: ${r.stdout}`);
  assert.match(r.stdout, new RegExp(`port ${port}: http://127\\.0\\.0\\.1:${port}/lab \\(pid`), 'no token in the URL');
  assert.match(r.stdout, /Ports tab/);
  assert.ok(isAlive(pid), 'JupyterLab keeps running after the command returned');
  assert.ok(fs.readFileSync(log, 'utf8').length > 0, 'JupyterLab logs to JUPYTER_LAB_LOG');

  const base = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${base}/api/kernelspecs`)).status, 200, 'no token behind the private forwarded port');
  const ip = externalAddress();
  if (ip) assert.ok(await refused(`http://${ip}:${port}/api`), `listens on loopback only, not on ${ip}`);
  const forwarded = `ws-test-${port}.app.github.dev`;
  const evil = await get(port, '/api/kernelspecs', { Origin: 'https://evil.example' });
  assert.notEqual(evil.headers['access-control-allow-origin'], '*', 'no wildcard CORS origin');
  assert.notEqual(evil.headers['access-control-allow-origin'], 'https://evil.example');
  const own = await get(port, '/api/kernelspecs', { Origin: `https://${forwarded}` });
  assert.equal(own.headers['access-control-allow-origin'], `https://${forwarded}`, "the Codespace's forwarded origin");
  assert.equal((await get(port, '/api/kernelspecs', { Host: forwarded })).status, 200, 'the forwarded Host name');
  assert.equal((await get(port, '/api/kernelspecs', { Host: 'evil.example' })).status, 403, 'no other Host name');
  // WORKSHOP_TARGET=aws: lab.sh starts no DynamoDB Local, and says why in the log
  for (
    const deadline = Date.now() + 30_000;
    Date.now() < deadline && !/not started with JupyterLab/.test(fs.readFileSync(log, 'utf8'));
  )
    await new Promise((r) => setTimeout(r, 250));
  assert.match(fs.readFileSync(log, 'utf8'), /\[lab\.sh\] DynamoDB Local not started with JupyterLab: WORKSHOP_TARGET=aws/);
  assert.ok(!fs.existsSync(path.join(home, 'ddb')), 'no engine state on the aws target');
  assert.equal(await isDynamoDb(endpointFor(ddbPort), 1000), false);
});
