// The metrics recorder: what CloudWatch would show for this client's traffic, measured on the client itself.
//
// Two middlewares on the DynamoDB client's stack (the DocumentClient shares it):
//
//   initialize  workshopMetricsCall     once per send(): sets ReturnConsumedCapacity=INDEXES (unless the caller chose
//      │                                a value), sees the FINAL result — output or the error the SDK gave up with.
//   serialize · build
//   finalizeRequest  retryMiddleware    ← the SDK's retry loop: everything below runs once per attempt
//   deserialize workshopMetricsAttempt  once per ATTEMPT, outside the deserializer: sees each attempt's parsed
//      │                                result, so a throttle the SDK retried (and then succeeded) is still counted.
//   deserializerMiddleware → HTTP handler (the throttling emulator, on the local target) → engine
//
// From those it records per call: operation, tables, index, consumed RCU/WCU per table and per GSI, latency, SDK
// attempts, throttle events with their ThrottlingReasons, UnprocessedItems/Keys, the partition keys touched, the
// tenant (TENANT#<tid>#… keys) and the wall-clock second; and it aggregates them under CloudWatch's metric names.
//
// Where the numbers come from, and where they differ from AWS's:
// - capacity is exactly what the engine returned in ConsumedCapacity (INDEXES: table and each GSI apart). PartiQL
//   returns none on DynamoDB Local; a caller's explicit TOTAL gives no table/GSI split for writes (kept on the table).
// - per-key capacity splits a batch's units evenly over its items (the engine reports units per table, not per item).
// - SuccessfulRequestLatency here is client-side (network + engine); CloudWatch's is measured inside DynamoDB.
// - UnprocessedItems carry no reason: each unprocessed item is a throttle event with the reason
//   "UnprocessedItems (no reason returned)"; reasons come only with ProvisionedThroughputExceededException /
//   ThrottlingException (ThrottlingReasons).
//
// The recorder is split by concern, one file each (this module re-exports what notebooks and other modules use):
//   metric-names.ts     CloudWatch's names, the throttling errors
//   records.ts          what is kept of one call: CallRecord, AttemptRecord, ThrottleEvent
//   call-anatomy.ts     pure helpers over one request and its answer (tables, keys, consumed capacity)
//   record-builder.ts   one call's records, built step by step from what the middlewares saw
//   aggregate-rows.ts   the rows the aggregations return
//   aggregates.ts       running aggregates (per-second.ts: the timeline) and the pure aggregate*(data) functions
//   recorder.ts         the recorder: middlewares, a bounded raw log (DEFAULT_MAX_CALLS), the aggregates
//   metric-charts.ts    chart rows and charts

export { keyConditionPartitionKey, keyValueString } from '../model/request';
export { NO_TENANT } from '../tenancy/keys';
export {
  CAPACITY_OPERATIONS,
  CLOUDWATCH_METRICS,
  type CloudWatchMetricName,
  type ContributorMetricName,
  THROTTLE_ERRORS,
  UNPROCESSED_ITEMS_REASON,
  UNPROCESSED_KEYS_REASON,
  isThrottleError,
} from './metric-names';
export type {
  AttemptRecord,
  CallRecord,
  CapacityMode,
  CapacityUse,
  KeyUse,
  MetricsData,
  TenantUse,
  ThrottleEvent,
} from './records';
export {
  DEFAULT_KEY_SCHEMA,
  type TableKeySchema,
  keySchemaOf,
  operationKind,
  parseConsumedCapacity,
  reasonKind,
  resourceFromArn,
  statementTable,
  tablesOf,
  tenantOf,
} from './call-anatomy';
export type {
  KeyRow,
  OperationRow,
  PerSecondOptions,
  ReasonRow,
  ResourceRow,
  SecondRow,
  TenantRow,
  TopKeysOptions,
  TotalsRow,
} from './aggregate-rows';
export { topReasonOf } from './aggregate-rows';
export {
  aggregateByKey,
  aggregateByOperation,
  aggregateByResource,
  aggregateBySecond,
  aggregateByTenant,
  aggregateThrottleReasons,
  aggregateTotals,
  topKeys,
} from './aggregates';
export {
  DEFAULT_MAX_CALLS,
  MetricsRecorder,
  type RecordableClients,
  type RecorderOptions,
  attachRecorder,
  keySchemaFromDescription,
  recorderOf,
} from './recorder';
export {
  MAX_KEY_LABEL,
  type TopKeyBar,
  consumedCapacityChart,
  keyBars,
  secondsToMetricRows,
  shortLabels,
  throttleEventsChart,
  throttleReasonsChart,
  topKeysChart,
} from './metric-charts';
