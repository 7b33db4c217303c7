// Section 4 (multitenancy with ABAC) in one import: `import * as mt from './workshop/multitenancy'`.
// Tenant keys and their guard · the IAM documents · the local IAM enforcement · tenant-scoped clients · the
// cross-tenant attack matrix.
export * from './tenancy/keys';
export * from './tenancy/policy';
export * from './local/enforcer';
export * from './tenancy/clients';
export * from './tenancy/isolation';
export * from './tenancy/index-reads';
export * from './tenancy/shared-table';
