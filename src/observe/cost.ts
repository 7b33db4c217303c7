// The workshop's cost, from recorded consumption, at on-demand prices (src/observe/pricing.ts). The module notebooks
// import (`./workshop/observe/cost`); the code is in three files, one concern each:
//   cost-estimate.ts     consumption records → the bill, per section, units × price = USD (pure)
//   cost-format.ts       the bill as people read it: µ$, bytes, units, rows and text
//   cost-consumption.ts  records from the metrics recorder (the one consumption observer): the tally per section

export {
  BYTES_PER_GB,
  type ConsumptionRecord,
  type CostEstimate,
  type CostLine,
  type CostUnit,
  estimateCost,
  type EstimateOptions,
  HOURS_PER_MONTH,
  readRequestUnits,
  requestCost,
  roundUsd,
  type SectionCost,
  STORAGE_OVERHEAD_BYTES_PER_ITEM,
  storageGbMonths,
  writeRequestUnits,
} from './cost-estimate';
export {
  costRows,
  costTable,
  formatBytes,
  formatCostReport,
  formatSignificant,
  formatUnits,
  formatUsdPrecise,
  MICRO_USD_LEGEND,
} from './cost-format';
export {
  type CapacityKind,
  capacityKindOf,
  type CapacityLike,
  type CapacityUseLike,
  type ConsumedCapacityLike,
  type ConsumedUnits,
  consumptionFromCapacityUses,
  consumptionFromRecorder,
  consumptionFromResources,
  ConsumptionTally,
  costFromRecorder,
  type RecordedConsumption,
  unitsFromConsumedCapacity,
} from './cost-consumption';
