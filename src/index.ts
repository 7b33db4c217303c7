// What notebooks import: `import * as ws from './workshop/index'` (notebooks/workshop is a symlink to dist/, which
// tools/setup.sh compiles from src/; declaration maps send "go to definition" from dist/*.d.ts back to src/).
export * from './errors';
export * from './config';
export * from './local/engine';
export * from './aws';
export * from './client';
export * from './identity';
export * from './keys';
export * from './table';
export * from './control-plane';
export * from './batch';
export * from './exercises';
export * from './reads';
export * from './types';
export * from './random';
export * from './model/capacity';
export * from './model/partitions';
export * from './sharding';
export * from './fanout';
export * from './local/emulator';
export * from './local/fidelity';
export * from './workload';
export * from './observe/pricing';
export * from './observe/cost';
export * from './cleanup';
export * from './room/room';
export * from './multitenancy';
// Tables as one HTML + text output (console.table's box breaks once wider than the notebook column).
export { showTable } from './display';
