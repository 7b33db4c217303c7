/**
 * Exact decimal arithmetic on DynamoDB number strings. DynamoDB keeps up to 38 significant digits: a double keeps
 * about 15, so `12345678901234567890 + 1` computed with `Number` loses the last digits. Here a number is an integer
 * (BigInt) and a power of ten, so sums are exact at any precision.
 */

interface Decimal {
  /** the digits, sign included */
  units: bigint;
  /** the value is units × 10^-scale */
  scale: number;
}

const NUMBER = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

function parse(text: string): Decimal | undefined {
  const m = NUMBER.exec(text);
  if (!m || `${m[2]}${m[3] ?? ''}` === '') return undefined;
  const fraction = m[3] ?? '';
  const units = BigInt(`${m[1] === '-' ? '-' : ''}${m[2]}${fraction}` || '0');
  const scale = fraction.length - Number(m[4] ?? 0);
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

function format(d: Decimal): string {
  const negative = d.units < 0n;
  let digits = (negative ? -d.units : d.units).toString();
  let scale = d.scale;
  // DynamoDB answers numbers without trailing fractional zeros: 1.50 + 1 is 2.5
  while (scale > 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale--;
  }
  if (digits === '0' || digits === '') return '0';
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return `${negative ? '-' : ''}${digits}`;
}

/** `a + b` (sign 1) or `a - b` (sign -1), exactly; undefined when either is not a number. */
export function addDecimal(a: string, b: string, sign: 1 | -1 = 1): string | undefined {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  const scale = Math.max(x.scale, y.scale);
  const align = (d: Decimal) => d.units * 10n ** BigInt(scale - d.scale);
  return format({ units: align(x) + BigInt(sign) * align(y), scale });
}
