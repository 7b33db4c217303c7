// tools/lab.sh, the attendees' entry point (the devcontainer runs it on attach): JupyterLab from the venv answers on
// the port it was given, serves the Lab page, and offers the tslab kernel. No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../helpers/local';
import { outputTail, signal } from '../../tools/runner/procs';

const repo = path.resolve(__dirname, '..', '..');

test('tools/lab.sh starts JupyterLab with the tslab kernel on JUPYTER_PORT', { timeout: 120_000 }, async (t) => {
  const port = await freePort();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-lab-sh-'));
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
      // keep the test's JupyterLab out of the user's own settings and runtime files
      JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
      JUPYTERLAB_WORKSPACES_DIR: path.join(home, 'workspaces'),
    },
  });
  const { keep, lines } = outputTail(80);
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  t.after(async () => {
    if (!exited && child.pid) signal(-child.pid, 'SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
    if (!exited && child.pid) signal(-child.pid, 'SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  });

  const base = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}` };
  const t0 = Date.now();
  let specs: { kernelspecs?: Record<string, unknown> } | undefined;
  while (!specs) {
    assert.ok(!exited, `tools/lab.sh exited early:\n${lines.join('\n')}`);
    assert.ok(Date.now() - t0 < 90_000, `JupyterLab did not answer on ${port} within 90 s:\n${lines.join('\n')}`);
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
  const lab = await fetch(`${base}/lab`, { headers });
  assert.equal(lab.status, 200);
  assert.match(await lab.text(), /JupyterLab/);
  const anonymous = await fetch(`${base}/api/kernelspecs`);
  assert.equal(anonymous.status, 403, 'outside Codespaces the Lab needs its token');

  signal(-(child.pid as number), 'SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
  assert.ok(exited, 'JupyterLab stops on SIGTERM');
});
