import { PipelineError, type VarChange } from '@patch-factory/contracts';
import { BotCaseSchema, refKind, type BotCase } from './bot-case.schema';
import { patchDefinition } from './patch-definition';

/** The outcome of one replayed case. */
export interface CaseResult {
  id: string;
  /** The kinds of its refs joined with '+', e.g. `pkg:deb` or `github+image`. */
  category: string;
  identical: boolean;
  /** Files whose result differs from the bot's, or the error that stopped the case. */
  mismatched: string[];
  error?: string;
}

/**
 * Replays one bot case: applies every variable change of its updates to the `before` of
 * each file (a case covers the variants of one image stream) and compares with `after`,
 * byte for byte.
 */
export function replayCase(c: BotCase): CaseResult {
  const category = [...new Set(c.updates.map((u) => refKind(u.ref)))].sort().join('+');
  const changes: VarChange[] = c.updates.flatMap((u) => u.vars);
  const mismatched: string[] = [];
  try {
    for (const [file, { before, after }] of Object.entries(c.files)) {
      if (patchDefinition(before, changes, file).text !== after) mismatched.push(file);
    }
  } catch (error) {
    const message =
      error instanceof PipelineError
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    return { id: c.id, category, identical: false, mismatched, error: message };
  }
  return { id: c.id, category, identical: mismatched.length === 0, mismatched };
}

/** Counts of a replay, per category and in total; `invalid` are lines that are not a case. */
export interface ReplaySummary {
  byCategory: Map<string, { identical: number; total: number }>;
  identical: number;
  total: number;
  invalid: { line: number; reason: string }[];
  results: CaseResult[];
}

/** Replays every line of a cases file (JSON lines); a bad line is reported, never fatal. */
export function replayLines(lines: Iterable<string>): ReplaySummary {
  const summary: ReplaySummary = { byCategory: new Map(), identical: 0, total: 0, invalid: [], results: [] };
  let n = 0;
  for (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    const parsed = parseCase(line);
    if (typeof parsed === 'string') {
      summary.invalid.push({ line: n, reason: parsed });
      continue;
    }
    const result = replayCase(parsed);
    summary.results.push(result);
    const row = summary.byCategory.get(result.category) ?? { identical: 0, total: 0 };
    row.total++;
    summary.total++;
    if (result.identical) {
      row.identical++;
      summary.identical++;
    }
    summary.byCategory.set(result.category, row);
  }
  return summary;
}

function parseCase(line: string): BotCase | string {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  const parsed = BotCaseSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  return parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(case)'}: ${i.message}`)
    .join('; ');
}
