// What notebooks import: `import * as ws from './workshop'` (notebooks/workshop is a symlink to src/).
export * from './errors';
export * from './config';
export * from './local';
export * from './client';
export * from './identity';
export * from './keys';
export * from './table';
export * from './batch';
export * from './exercises';
export * from './reads';
export * from './types';
export * from './random';
export * from './capacity';
export * from './partitions';
export * from './sharding';
