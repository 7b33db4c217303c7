// CLI around src/local.ts: `tsx tools/local-ddb.ts start|stop|status [--port N] [--in-memory] [--state-dir D]`.
import { parsePort } from '../src/config';
import { isWorkshopError } from '../src/errors';
import { endpointFor, ensureLocal, isDynamoDb, stopLocal } from '../src/local';

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
  if (cmd === 'status') {
    const up = await isDynamoDb(endpointFor(port));
    console.log(up ? `DynamoDB Local answers at ${endpointFor(port)}` : `nothing answers at ${endpointFor(port)}`);
    return up ? 0 : 1;
  }
  console.error('usage: tsx tools/local-ddb.ts start|stop|status [--port N] [--in-memory] [--state-dir DIR]');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(isWorkshopError(err) ? err.message : err);
    process.exit(1);
  },
);
