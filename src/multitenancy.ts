// Section 4 (multitenancy with ABAC) in one import: `import * as mt from './workshop/multitenancy'`.
// Only the names 04_multitenancy.ipynb calls through `mt.`, each from the file an attendee should open.

// Tenant keys and their guard; a tenant's share of the table's consumption.
export { TENANT_GSI, type TenantKeys, tenantKeys, tenantOfKey, tenantUsage } from './tenancy/keys';
// The IAM documents: the tenant role's policy, and the careless one the attack matrix breaks.
export { carelessTenantPolicy, tenantPolicy } from './tenancy/policy';
// The local IAM enforcement: one request evaluated against a policy, as AWS would.
export { simulateRequest } from './local/enforcer';
// Tenant-scoped clients, the shared table in one call, tenant index reads.
export { tenantClients } from './tenancy/clients';
export { openSharedTable } from './tenancy/shared-table';
export { queryIndexUntil, queryTenantIndex, tenantIndexQueryInput } from './tenancy/index-reads';
// The cross-tenant attack matrix.
export { explainLeak, isolationProbes, PROBE_OPERATIONS, probeVerdict, runIsolationProbes } from './tenancy/isolation';
