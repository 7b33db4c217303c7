/** tools/jupyter_app.py (runner, HTML export, tools/lab.sh): the real apps start, without the ~1 s of rfc3987_syntax grammars. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { jupyterApp } from '../../tools/runner/launch';

const run = promisify(execFile);
const REPO = resolve(__dirname, '../..');
const VENV = process.env.WORKSHOP_VENV ? resolve(process.env.WORKSHOP_VENV) : join(REPO, '.venv');
const haveVenv = existsSync(join(VENV, 'bin', 'jupyter'));

/** Modules imported by a Python command, from `-X importtime` (stderr). */
async function imported(command: string, args: string[]): Promise<{ stdout: string; modules: Set<string> }> {
  const r = await run(command, ['-X', 'importtime', ...args], { env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  const modules = new Set(
    r.stderr
      .split('\n')
      .map((l) => /\|\s*(\S+)\s*$/.exec(l)?.[1])
      .filter((m): m is string => !!m),
  );
  return { stdout: r.stdout, modules };
}

describe('tools/jupyter_app.py', { skip: !haveVenv && `no Jupyter in ${VENV}` }, () => {
  for (const app of ['server', 'nbconvert', 'lab'] as const) {
    it(`runs jupyter ${app} (--version) without importing rfc3987_syntax`, async () => {
      const plain = await imported(join(VENV, 'bin', 'python'), [join(VENV, 'bin', `jupyter-${app}`), '--version']);
      const launched = jupyterApp(VENV, app);
      const ours = await imported(launched.command, [...launched.args, '--version']);
      assert.match(ours.stdout.trim(), /^\d+\.\d+/, 'the app ran and printed its version');
      assert.equal(ours.stdout.trim(), plain.stdout.trim(), 'the same app as the plain command');
      // tools/setup.sh's .pth file gives every entry point (the plain `jupyter <app>` too) the fast start
      for (const [who, r] of [
        ['the launcher', ours],
        ['the plain command', plain],
      ] as const) {
        assert.ok(!r.modules.has('rfc3987_syntax.syntax_helpers'), `${who} imported rfc3987_syntax's grammars`);
        assert.ok(r.modules.has('jsonschema'), `${who}: jsonschema itself still loads`);
      }
    });
  }

  it('refuses an unknown app with its usage', async () => {
    const launched = jupyterApp(VENV, 'server');
    await assert.rejects(run(launched.command, [launched.args[0], 'notebook']), (e: { stderr?: string; code?: number }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr ?? '', /usage: .*server\|nbconvert\|lab/);
      return true;
    });
  });
});
