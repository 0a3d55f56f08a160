const MS_PER_DAY = 86_400_000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses an ISO date (`2025-01-31`) or date-time (`2025-01-31T10:05:00Z`, `2025-01-31 10:05:00`,
 * offsets `+02:00`) to epoch milliseconds. Date-times without a zone are read as UTC (never local time,
 * so results do not depend on the machine). Returns NaN when the text is not such a timestamp.
 */
export function parseTimestamp(text: string): number {
  const m = ISO.exec(text.trim());
  if (!m) {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) && /^\d{9,13}$/.test(text.trim())
      ? text.trim().length <= 10
        ? n * 1000
        : n
      : NaN;
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return NaN;
  let ms = Date.UTC(
    Number(y),
    month - 1,
    day,
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
    frac ? Math.round(Number(frac) * 1000) : 0,
  );
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}

/** UTC day number (days since 1970-01-01) of a date given as text, Date or epoch ms; NaN when invalid. */
export function toDayNumber(date: string | Date | number): number {
  const ms = typeof date === 'number' ? date : date instanceof Date ? date.getTime() : parseTimestamp(date);
  return Number.isFinite(ms) ? Math.floor(ms / MS_PER_DAY) : NaN;
}

const PAD2 = Array.from({ length: 32 }, (_v, i) => String(i).padStart(2, '0'));

/** Day number -> YYYY-MM-DD (allocation-light: no Date object). */
export function dayNumberToIso(day: number): string {
  const { year, month, dayOfMonth: dom } = civil(day);
  const y = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : String(year);
  return `${y}-${PAD2[month]!}-${PAD2[dom]!}`;
}

/** Civil date of a UTC day number (H. Hinnant's days-to-civil). */
export function civil(day: number): { year: number; month: number; dayOfMonth: number } {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, dayOfMonth: d };
}

/** 0 = Monday ... 6 = Sunday. Day 0 (1970-01-01) was a Thursday. */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** Day of month (1..31) of a day number. */
export function dayOfMonth(day: number): number {
  // Civil-from-days (H. Hinnant), allocation-free.
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return doy - Math.floor((153 * mp + 2) / 5) + 1;
}
