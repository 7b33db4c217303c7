// Checkpoint 6 (06_cleanup.ipynb): the on-demand cost of a workload, at the workshop's prices for ap-southeast-1.
import { pricesForEstimate } from '../workshop/observe/pricing';
import type { WorkloadCost } from '../solutions/06_cleanup';

/** What is wrong with an answer (empty when right): units first, then dollars at ap-southeast-1's prices. */
export function checkWorkloadCost(answer: WorkloadCost): string[] {
  const p = pricesForEstimate('ap-southeast-1').prices;
  const problems: string[] = [];
  if (answer.writeUnits !== 3_000_000)
    problems.push(`write units: ${answer.writeUnits}, expected 3,000,000 (1 M writes × 3 WRU)`);
  if (answer.readUnits !== 10_000_000) problems.push(`read units: ${answer.readUnits}, expected 10,000,000 (10 M reads × 1 RRU)`);
  const usd = (3_000_000 * p.writePerMillion + 10_000_000 * p.readPerMillion) / 1_000_000;
  if (Math.abs(answer.usd - usd) > 1e-6) problems.push(`cost: $${answer.usd}, expected $${usd} at ${p.region}'s prices`);
  return problems;
}
