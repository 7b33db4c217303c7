// Reference answer for 06_cleanup.ipynb's checkpoint. Try your own first!
//
// "What does it cost, on demand in ap-southeast-1, to write 1 million items of 2.5 KB and to read 10 million
//  items of 6 KB with eventually consistent reads?"
import { estimateCost, readRequestUnits, writeRequestUnits } from '../workshop/observe/cost';

export interface WorkloadCost {
  /** Write request units: 1 per KB of each item, rounded up per item. */
  writeUnits: number;
  /** Read request units: 1 per 4 KB block of each item, rounded up, halved for eventually consistent reads. */
  readUnits: number;
  /** US dollars at the on-demand prices of ap-southeast-1 (src/observe/pricing.ts). */
  usd: number;
}

const KB = 1024;

// 2.5 KB → 3 WRU per write (a partial KB is a whole unit).
const writes = writeRequestUnits(1_000_000, 2.5 * KB);
// 6 KB → 2 blocks of 4 KB → 2 RRU strongly consistent, 1 RRU eventually consistent.
const reads = readRequestUnits(10_000_000, 6 * KB, { consistent: false });

export const workloadCost: WorkloadCost = {
  writeUnits: writes,
  readUnits: reads,
  usd: estimateCost([{ section: 'exercise', writeUnits: writes, readUnits: reads }], { region: 'ap-southeast-1' }).usd,
};
