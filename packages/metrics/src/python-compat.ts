/**
 * Small pieces of Python string semantics that the reference tools rely on and that JavaScript
 * does differently. Keeping them here, tested, is what makes "exactly like sacreBLEU" hold on
 * unusual input.
 */

/**
 * The characters for which Python's `str.isspace()` is true (and on which `str.split()` with no
 * argument splits). Unlike JavaScript's `\s` this includes U+001C–U+001F and U+0085 and excludes
 * U+FEFF (the byte-order mark).
 */
export const PY_WS_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS_CLASS}]+`, 'u');
const PY_WS_TRAILING = new RegExp(`[${PY_WS_CLASS}]+$`, 'u');
const PY_WS_LEADING = new RegExp(`^[${PY_WS_CLASS}]+`, 'u');

/** Python's `s.split()`: split on runs of whitespace, dropping empty strings at either end. */
export function pySplit(s: string): string[] {
  const parts = s.split(PY_WS_RUN);
  const out: string[] = [];
  for (const p of parts) if (p.length > 0) out.push(p);
  return out;
}

/** Python's `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_TRAILING, '');
}

/** Python's `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_WS_LEADING, '').replace(PY_WS_TRAILING, '');
}

/** Compares strings by Unicode code point, as Python's `sorted()` and NumPy's `np.unique` do. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const x = ca.value.codePointAt(0)!;
    const y = cb.value.codePointAt(0)!;
    if (x !== y) return x < y ? -1 : 1;
  }
}

/**
 * Python's `f"{x:.{digits}f}"`: like `toFixed`, except that an exact tie rounds half to even
 * (Python) rather than up (JavaScript), e.g. 0.125 → "0.12".
 */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const js = x.toFixed(digits);
  // The exact decimal expansion of a double (toFixed is exact for up to 100 digits) tells us
  // whether x sits exactly halfway between two representable outputs.
  const extra = Math.min(100, digits + 60);
  if (Math.abs(x) >= 1e21) return js;
  const exact = Math.abs(x).toFixed(extra);
  const tail = exact.slice(exact.length - (extra - digits));
  if (!/^50*$/.test(tail)) return js;
  // A tie: JavaScript rounded away from zero; Python wants the even neighbour.
  const kept = exact.slice(0, exact.length - (extra - digits));
  const lastDigit = Number(kept.replace('.', '').slice(-1));
  if (lastDigit % 2 === 0) {
    const trimmed = digits === 0 ? kept.replace(/\.$/, '') : kept;
    return (x < 0 ? '-' : '') + trimmed;
  }
  return js;
}
