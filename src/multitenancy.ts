// Section 4 (multitenancy with ABAC) in one import: `import * as mt from './workshop/multitenancy'`.
// Tenant keys and their guard · the IAM documents · the local IAM enforcement · tenant-scoped clients · the
// cross-tenant attack matrix.
export * from './tenancy';
export * from './abac';
export * from './abac-enforcer';
export * from './tenant-clients';
export * from './isolation';
export * from './tenant-index';
export * from './shared-table';
