// The check behind 03_hot_partitions.ipynb's checkpoint: writes 200 of the day's orders with the answer's keys and
// 200 to the single hot key, through the throttling emulator (local target), compares the throttling, reads the
// orders back with a fan-out over readKeys(), then deletes what it wrote. Also the lesson's own check of its fan-out
// read (checkNewestRead).
import type { WorkshopClients } from '../workshop/client';
import { batchDeleteAll } from '../workshop/batch';
import type { ThrottleEmulator } from '../workshop/local/emulator';
import type { CheckContext } from '../workshop/exercises';
import { compareWithNewest, fanOutQuery } from '../workshop/fanout';
import type { Item } from '../workshop/types';
import { runWriteWorkload } from '../workshop/workload';
import type { DailyOrdersKeys } from '../solutions/03_hot_partitions';

const ORDERS = 200;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function checkDailyOrdersKeys(
  clients: WorkshopClients,
  tableName: string,
  emu: ThrottleEmulator | undefined,
  keys: DailyOrdersKeys,
  ctx: CheckContext,
): Promise<string[]> {
  const pks = Array.from({ length: ORDERS }, (_, n) => keys.writeKey(`o${n}`));
  const bad = pks.find((pk) => typeof pk !== 'string' || pk === '');
  if (bad !== undefined) return [`writeKey must return a non-empty string (got ${JSON.stringify(bad)})`];
  const readKeys = keys.readKeys();
  if (!Array.isArray(readKeys) || readKeys.length === 0 || readKeys.some((k) => typeof k !== 'string')) {
    return [`readKeys() must return a non-empty list of strings (got ${JSON.stringify(readKeys)})`];
  }
  const problems: string[] = [];
  if (new Set(pks).size < 2) problems.push('writeKey sends every order to the same partition key: the hot key again');
  const unread = [...new Set(pks)].filter((pk) => !readKeys.includes(pk));
  if (unread.length > 0) {
    const orders = pks.filter((pk) => unread.includes(pk)).length;
    problems.push(`${orders} orders go to keys readKeys() does not list (e.g. ${unread[0]}): a reader would never see them`);
  }

  const day = `chk-${Date.now()}`;
  const skFor = (n: number) => `ORDER#${day}#${String(n).padStart(4, '0')}`;
  const hotKey = `ORDERS#2025-09-28#${day}`;
  const write = (pkFor: (n: number) => string, label: string) =>
    runWriteWorkload(clients.doc, { tableName, events: ORDERS, pkFor, skFor, label, emulator: emu });
  try {
    const baseline = await write(() => hotKey, 'one hot key');
    const mine = await write((n) => pks[n], 'your keys');
    const back = await fanOutQuery(clients.doc, {
      tableName,
      partitionKeys: [...new Set(readKeys)],
      sortKeyCondition: { expression: 'begins_with(SK, :d)', values: { ':d': `ORDER#${day}#` } },
    });
    if (back.items.length !== ORDERS) {
      problems.push(`a fan-out over readKeys() found ${back.items.length} of the ${ORDERS} orders`);
    }
    if (emu && mine.throttled >= baseline.throttled) {
      problems.push(`your keys were throttled ${mine.throttled} times, the single hot key ${baseline.throttled}: no better`);
    }
    ctx.note(
      `one hot key: ${baseline.throttled} throttled, ${secs(baseline.elapsedMs)}; ` +
        `your keys: ${mine.throttled} throttled, ${secs(mine.elapsedMs)}`,
    );
  } finally {
    // Leave the table as it was: the check's orders are not part of the lesson (deletes unthrottled: cleanup only).
    const wasEnabled = emu?.enabled;
    if (emu) emu.enabled = false;
    try {
      const written = [
        ...Array.from({ length: ORDERS }, (_, n) => ({ PK: hotKey, SK: skFor(n) })),
        ...pks.map((pk, n) => ({ PK: pk, SK: skFor(n) })),
      ];
      await batchDeleteAll(clients.doc, tableName, written);
    } finally {
      if (emu && wasEnabled !== undefined) emu.enabled = wasEnabled;
    }
  }
  return problems;
}

/**
 * The section's fan-out read is exactly the newest `limit` events of `written`, newest first (it throws if not: the
 * lesson would be wrong); says how many of them a reader querying only `fewerShards` would have missed.
 */
export function checkNewestRead(items: Item[], written: Item[], limit: number, fewerShards: string[]): string {
  const vs = compareWithNewest(items, written, limit);
  if (!vs.ok) {
    throw new Error(
      `the fan-out is not the newest ${limit} written: ${vs.missing.length} missing, ` +
        `${vs.unexpected.length} unexpected, in order: ${vs.inOrder}`,
    );
  }
  const fewer = new Set(fewerShards);
  const missed = items.filter((i) => !fewer.has(String(i.PK))).length;
  return (
    `✓ exactly the newest ${limit} of the ${written.length} events written, newest first. ` +
    `A reader querying only S0..S${fewerShards.length - 1} would have missed ${missed} of them.`
  );
}
