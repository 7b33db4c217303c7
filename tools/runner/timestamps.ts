/**
 * Timestamps as nbclient records them in `metadata.execution` (record_timing):
 * the message header's date formatted `%Y-%m-%dT%H:%M:%S.%fZ` (microseconds, UTC), or "now" if the
 * message has no usable date.
 */
import type { KernelMsg } from './types';

const ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Format a JS Date like Python's `datetime.utcnow().isoformat() + "Z"` with microseconds. */
export function formatUtc(date: Date, micros?: string): string {
  const iso = date.toISOString(); // 2026-11-25T12:16:06.566Z
  const frac = (micros ?? iso.slice(20, 23)).padEnd(6, '0').slice(0, 6);
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** nbclient's `timestamp(msg)`: the header date normalised to UTC with 6 fractional digits. */
export function nbclientTimestamp(msg?: Pick<KernelMsg, 'header'> | null, now: () => Date = () => new Date()): string {
  const date = msg?.header?.date;
  if (typeof date === 'string') {
    const m = ISO.exec(date.trim());
    if (m) {
      const [, day, time, frac, zone] = m;
      if (!zone || zone === 'Z' || /^[+-]00:?00$/.test(zone)) {
        // Already UTC (or naive, which jupyter_client treats as UTC): keep the digits as sent.
        return `${day}T${time}.${(frac ?? '').padEnd(6, '0').slice(0, 6)}Z`;
      }
      const parsed = new Date(date);
      if (!Number.isNaN(parsed.getTime())) {
        // Offset given (whole minutes): convert to UTC, keeping the fractional digits as sent.
        return formatUtc(parsed, frac);
      }
    }
  }
  return formatUtc(now());
}
