// Seeded randomness and a stable string hash, so charts, tests and load demos repeat exactly.

export type Rng = () => number;

/** mulberry32: a tiny 32-bit PRNG; same seed → same sequence, values in [0, 1). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function int(rng: Rng, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int: n must be a positive integer, got ${n}`);
  return Math.floor(rng() * n);
}

/** One element of a non-empty list. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick: empty list');
  return items[int(rng, items.length)];
}

/** Calls `emit` with each byte of the UTF-8 encoding of `s` (lone surrogates become U+FFFD, as TextEncoder does). */
export function forEachUtf8Byte(s: string, emit: (byte: number) => void): void {
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) emit(cp);
    else if (cp < 0x800) {
      emit(0xc0 | (cp >> 6));
      emit(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      emit(0xe0 | (cp >> 12));
      emit(0x80 | ((cp >> 6) & 0x3f));
      emit(0x80 | (cp & 0x3f));
    } else {
      emit(0xf0 | (cp >> 18));
      emit(0x80 | ((cp >> 12) & 0x3f));
      emit(0x80 | ((cp >> 6) & 0x3f));
      emit(0x80 | (cp & 0x3f));
    }
  }
}

/**
 * Stable 32-bit hash of a string's UTF-8 bytes: FNV-1a followed by murmur3's finalizer.
 * The finalizer matters: plain FNV-1a keeps low bits in step with the last byte, so keys that
 * differ only in a suffix (`…#S0`, `…#S1`) would spread unrealistically evenly.
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  forEachUtf8Byte(s, (b) => {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  });
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
