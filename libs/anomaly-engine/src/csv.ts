import { parseTimestamp } from './time';

/** One parsed input row; `value` is null for a blank value. */
export interface InputRow {
  readonly timestamp: string;
  readonly time: number;
  readonly valueText: string;
  readonly value: number | null;
}

export class CsvInputError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    message: string,
  ) {
    super(`${source}${line > 0 ? `:${line}` : ''}: ${message}`);
    this.name = 'CsvInputError';
  }
}

/** Splits one CSV line, honouring double quotes ("a,b" and "" escapes). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Parses `timestamp,value` CSV text (extra columns ignored, any column order, CRLF or LF, BOM, blank lines
 * skipped). Blank/NaN values become null. Throws CsvInputError with the line number on bad input.
 */
export function parseSeriesCsv(text: string, source = 'input'): InputRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new CsvInputError(source, 0, 'empty file: expected a header "timestamp,value"');
  const header = splitCsvLine(lines[headerAt]!).map((h) => h.trim().toLowerCase());
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) {
    throw new CsvInputError(
      source,
      headerAt + 1,
      `header must contain "timestamp" and "value", got "${lines[headerAt]!.trim()}"`,
    );
  }
  const rows: InputRow[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    const ts = (cells[ti] ?? '').trim();
    const vt = (cells[vi] ?? '').trim();
    const time = parseTimestamp(ts);
    if (!Number.isFinite(time))
      throw new CsvInputError(source, i + 1, `invalid timestamp "${ts}" (expected an ISO date or date-time)`);
    let value: number | null = null;
    if (vt !== '' && !/^(nan|null|na|n\/a)$/i.test(vt)) {
      value = Number(vt);
      if (!Number.isFinite(value))
        throw new CsvInputError(source, i + 1, `invalid value "${vt}" (expected a number or blank)`);
    }
    rows.push({ timestamp: ts, time, valueText: vt, value });
  }
  return rows;
}

/** Formats a score with up to 6 decimals and no trailing zeros. */
export function formatScore(score: number): string {
  const s = (Math.round(score * 1e6) / 1e6).toFixed(6);
  return s.replace(/\.?0+$/, '') || '0';
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** The output file: `timestamp,value,anomaly_score,is_anomaly`, one row per input row, LF line ends. */
export function formatScoredCsv(
  rows: readonly {
    timestamp: string;
    value: string;
    anomalyScore: number;
    isAnomaly: boolean;
    kind?: string | null;
  }[],
): string {
  // `kind` is the last column, so readers of the first four columns are unaffected.
  const out = ['timestamp,value,anomaly_score,is_anomaly,kind'];
  for (const r of rows)
    out.push(
      `${quote(r.timestamp)},${quote(r.value)},${formatScore(r.anomalyScore)},${r.isAnomaly ? 1 : 0},${r.isAnomaly ? (r.kind ?? '') : ''}`,
    );
  return out.join('\n') + '\n';
}
