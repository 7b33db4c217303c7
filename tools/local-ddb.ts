// CLI around src/local/engine.ts: `tsx tools/local-ddb.ts start|stop|status [--port N] [--in-memory] [--state-dir D]`,
// and `with-lab --pid P` (tools/lab.sh): the engine the local target uses, started beside JupyterLab and stopped with it.
import { parsePort, workshopEnv } from '../src/config';
import { isWorkshopError } from '../src/errors';
import { endpointFor, ensureLocal, isDynamoDb, localEnginePlan, stopLocal } from '../src/local/engine';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * tools/lab.sh runs this beside JupyterLab (process `pid`): starts the engine the kernels' first createClients would
 * otherwise start (3-7 s of JVM start-up in the attendee's second cell), then stops it when JupyterLab is gone (or on
 * SIGTERM/SIGHUP), so nothing is left running. An engine that was already running is someone else's: left alone.
 * Nothing at all on the aws target or with DDB_ENDPOINT set. Ctrl-C is JupyterLab's to answer ("Shutdown this
 * Jupyter server?"): ignored here, the engine stops once JupyterLab has.
 */
async function withLab(pid: number, stateDir: string | undefined): Promise<number> {
  const plan = localEnginePlan(workshopEnv());
  if ('skip' in plan) {
    console.log(`[lab.sh] DynamoDB Local not started with JupyterLab: ${plan.skip}`);
    return 0;
  }
  let wake: () => void = () => {};
  let stop = false;
  const stopNow = () => {
    stop = true;
    wake();
  };
  process.on('SIGINT', () => {});
  process.on('SIGTERM', stopNow);
  process.on('SIGHUP', stopNow);
  const local = await ensureLocal({ port: plan.port, stateDir });
  if (local.reused) {
    console.log(`[lab.sh] DynamoDB Local already answers at ${local.endpoint}: the kernels use it (left as it is)`);
    return 0;
  }
  console.log(
    `[lab.sh] DynamoDB Local started at ${local.endpoint} (pid ${local.pid}, data in ${local.dbPath}); it stops with JupyterLab`,
  );
  while (!stop && alive(pid)) {
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 1000);
    });
  }
  await stopLocal({ stateDir, port: plan.port, log: (line) => console.log(`[lab.sh] ${line}`) });
  console.log(`[lab.sh] DynamoDB Local on port ${plan.port} stopped (${stop ? 'signalled' : 'JupyterLab stopped'})`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0];
  const opt = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const flag = opt('--port');
  const port = flag !== undefined ? parsePort(flag, '--port') : parsePort(process.env.DDB_LOCAL_PORT);
  const stateDir = opt('--state-dir');
  if (cmd === 'start') {
    const local = await ensureLocal({ port, inMemory: argv.includes('--in-memory'), stateDir });
    console.log(
      `DynamoDB Local ${local.reused ? 'already running' : 'started'} at ${local.endpoint}` +
        `${local.pid ? ` (pid ${local.pid})` : ''}${local.inMemory ? ', in memory' : local.dbPath ? `, data in ${local.dbPath}` : ''}`,
    );
    return 0;
  }
  if (cmd === 'stop') {
    // --port stops that port's engine; without it, every engine recorded in the state folder (one record per port).
    const stopped = await stopLocal({ stateDir, port: flag !== undefined ? port : undefined, log: (line) => console.log(line) });
    console.log(stopped ? 'DynamoDB Local stopped' : 'no DynamoDB Local started by this project is running');
    return 0;
  }
  if (cmd === 'with-lab') {
    const pid = Number(opt('--pid'));
    if (!Number.isInteger(pid) || pid <= 0) {
      console.error('usage: tsx tools/local-ddb.ts with-lab --pid <JupyterLab pid> [--state-dir DIR]');
      return 2;
    }
    return withLab(pid, stateDir);
  }
  if (cmd === 'status') {
    const up = await isDynamoDb(endpointFor(port));
    console.log(up ? `DynamoDB Local answers at ${endpointFor(port)}` : `nothing answers at ${endpointFor(port)}`);
    return up ? 0 : 1;
  }
  console.error('usage: tsx tools/local-ddb.ts start|stop|status [--port N] [--in-memory] [--state-dir DIR] | with-lab --pid P');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(isWorkshopError(err) ? err.message : err);
    process.exit(1);
  },
);
