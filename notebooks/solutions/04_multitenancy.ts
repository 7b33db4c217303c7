// Reference answer for 04_multitenancy.ipynb's checkpoint. Try your own first!
import type { PolicyDocument } from '../workshop/tenancy/policy';

/** Builds the tenant role's policy for the shared table whose ARN is given. */
export type CatalogPolicy = (tableArn: string) => PolicyDocument;

// Two statements, because reads and writes may touch different key sets:
// - reads may touch the tenant's own keys OR the shared catalog. Both patterns sit in ONE list: ForAllValues asks
//   every leading key to match at least one value, so a BatchGetItem mixing own keys and CATALOG# keys passes.
//   (Two separate read statements, one per pattern, would refuse that batch: neither statement matches all keys.)
// - writes touch only the tenant's own keys: nobody rewrites the catalog from a tenant session.
// Both keep the Null guard, and neither grants Scan. The policy variable is in single quotes: inside a TypeScript
// template literal (backticks) `${aws:PrincipalTag/TenantId}` would be interpolated — and fail to compile.
export const catalogReaderPolicy: CatalogPolicy = (tableArn) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadOwnTenantItemsAndSharedCatalog',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
      Resource: [tableArn, `${tableArn}/index/*`],
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/TenantId}#*', 'CATALOG#*'] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    },
    {
      Sid: 'WriteOwnTenantItemsOnly',
      Effect: 'Allow',
      Action: [
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
      ],
      Resource: [tableArn],
      Condition: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#${aws:PrincipalTag/TenantId}#*'] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    },
  ],
});
