// What notebooks import: `import * as ws from './workshop/index'` (notebooks/workshop is a symlink to dist/, which
// tools/setup.sh compiles from src/; declaration maps send "go to definition" from dist/*.d.ts back to src/).
export * from './errors';
export * from './config';
export * from './local';
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
export * from './capacity';
export * from './partitions';
export * from './sharding';
export * from './fanout';
export * from './emulator';
export * from './fidelity';
export * from './workload';
export * from './pricing';
export * from './cost';
export * from './cleanup';
export * from './room';
export * from './multitenancy';
// Tables as one HTML + text output (console.table's box breaks once wider than the notebook column).
export { showTable } from './display';
