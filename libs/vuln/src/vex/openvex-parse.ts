import { isRecord, parsePurl, type Purl, type TerminalError, shownValue } from '@patch-factory/contracts';
import { VulnErrorCode, vulnError } from '../vuln-errors';

export const VEX_STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const;
export type VexStatus = (typeof VEX_STATUSES)[number];
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const;

export interface VexComponent {
  id: string;
  purl?: Purl;
}

export interface VexProduct extends VexComponent {
  subcomponents: VexComponent[];
}

export interface VexStatement {
  id?: string;
  /** The vulnerability's name and aliases. */
  names: string[];
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  actionStatement?: string;
  statusNotes?: string;
  /** The statement's timestamp, else the document's (ISO text; compared as time). */
  timestamp?: string;
  /** Where it is: `<file> statements[3]`. */
  where: string;
}

export interface VexDocument {
  id: string;
  author?: string;
  timestamp?: string;
  version?: number;
  statements: VexStatement[];
  /** Statements left out, each with where it is and why. */
  invalid: TerminalError[];
}

const MAX_STATEMENTS = 100_000;
const MAX_PRODUCTS = 10_000;

/**
 * An OpenVEX document (v0.2.0, and the 0.0.x string vulnerability form) checked statement by
 * statement: a statement with a bad status, no vulnerability, no products, or `not_affected`
 * with neither a justification nor an impact_statement (the spec requires one) is left out and
 * reported in `invalid`; the rest load. Throws a located TerminalError when the document itself
 * is not one (not an object, no OpenVEX @context, statements not an array).
 */
export function parseOpenVex(raw: unknown, where: string): VexDocument {
  if (!isRecord(raw))
    throw vulnError(
      VulnErrorCode.invalidVex,
      where,
      `expected an OpenVEX document (an object), got ${shownValue(raw)}`,
    );
  const context = raw['@context'];
  if (typeof context !== 'string' || !context.startsWith('https://openvex.dev/ns'))
    throw vulnError(
      VulnErrorCode.invalidVex,
      `${where} @context`,
      `expected https://openvex.dev/ns/v0.2.0, got ${shownValue(context)}`,
    );
  const id = raw['@id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > 2048)
    throw vulnError(VulnErrorCode.invalidVex, `${where} @id`, `expected the document's IRI, got ${shownValue(id)}`);
  const statements = raw['statements'];
  if (!Array.isArray(statements))
    throw vulnError(
      VulnErrorCode.invalidVex,
      `${where} statements`,
      `expected an array, got ${shownValue(statements)}`,
    );
  const doc: VexDocument = { id, statements: [], invalid: [] };
  if (typeof raw['author'] === 'string') doc.author = raw['author'];
  if (typeof raw['timestamp'] === 'string') doc.timestamp = raw['timestamp'];
  if (typeof raw['version'] === 'number') doc.version = raw['version'];
  if (statements.length > MAX_STATEMENTS)
    doc.invalid.push(
      vulnError(
        VulnErrorCode.tooLarge,
        `${where} statements`,
        `${statements.length} statements, only the first ${MAX_STATEMENTS} are read`,
      ),
    );
  statements.slice(0, MAX_STATEMENTS).forEach((s, i) => {
    const at = `${where} statements[${i}]`;
    try {
      doc.statements.push(parseStatement(s, at, doc.timestamp));
    } catch (error) {
      doc.invalid.push(error as TerminalError);
    }
  });
  return doc;
}

/** parseOpenVex of a JSON text; throws a located error when it is not JSON. */
export function parseOpenVexText(text: string, where: string): VexDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw vulnError(
      VulnErrorCode.invalidVex,
      where,
      `not JSON (${error instanceof Error ? error.message.slice(0, 80) : 'parse error'})`,
    );
  }
  return parseOpenVex(json, where);
}

function text(v: unknown, at: string, field: string, max = 8192): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw vulnError(
      VulnErrorCode.invalidVex,
      `${at}.${field}`,
      `expected a string of at most ${max} characters, got ${shownValue(v)}`,
    );
  return v;
}

function parseStatement(s: unknown, at: string, docTime: string | undefined): VexStatement {
  if (!isRecord(s)) throw vulnError(VulnErrorCode.invalidVex, at, `expected a statement object, got ${shownValue(s)}`);
  const status = s['status'];
  if (!(VEX_STATUSES as readonly unknown[]).includes(status))
    throw vulnError(
      VulnErrorCode.invalidVex,
      `${at}.status`,
      `expected one of ${VEX_STATUSES.join(', ')}, got ${shownValue(status)}`,
    );
  const names = vulnerabilityNames(s['vulnerability'], `${at}.vulnerability`);
  const products = productsOf(s['products'], `${at}.products`);
  const justification = text(s['justification'], at, 'justification', 128);
  if (justification !== undefined && !(VEX_JUSTIFICATIONS as readonly string[]).includes(justification)) {
    throw vulnError(
      VulnErrorCode.invalidVex,
      `${at}.justification`,
      `expected one of ${VEX_JUSTIFICATIONS.join(', ')}, got ${shownValue(justification)}`,
    );
  }
  const impactStatement = text(s['impact_statement'], at, 'impact_statement');
  if (status === 'not_affected' && justification === undefined && impactStatement === undefined) {
    throw vulnError(
      VulnErrorCode.invalidVex,
      at,
      `a not_affected statement of ${names[0] ?? '?'} has neither a justification nor an impact_statement (OpenVEX requires one)`,
    );
  }
  const st: VexStatement = { names, products, status: status as VexStatus, where: at };
  const id = text(s['@id'], at, '@id', 2048);
  if (id !== undefined) st.id = id;
  if (justification !== undefined) st.justification = justification;
  if (impactStatement !== undefined) st.impactStatement = impactStatement;
  const action = text(s['action_statement'], at, 'action_statement');
  if (action !== undefined) st.actionStatement = action;
  const notes = text(s['status_notes'], at, 'status_notes');
  if (notes !== undefined) st.statusNotes = notes;
  const time = text(s['timestamp'], at, 'timestamp', 64) ?? docTime;
  if (time !== undefined) st.timestamp = time;
  return st;
}

function vulnerabilityNames(v: unknown, at: string): string[] {
  if (typeof v === 'string' && v.length > 0 && v.length <= 256) return [v];
  if (!isRecord(v))
    throw vulnError(VulnErrorCode.invalidVex, at, `expected a vulnerability with a name, got ${shownValue(v)}`);
  const name = v['name'];
  if (typeof name !== 'string' || name.length === 0 || name.length > 256)
    throw vulnError(VulnErrorCode.invalidVex, `${at}.name`, `expected a vulnerability name, got ${shownValue(name)}`);
  const aliases = v['aliases'];
  if (
    aliases !== undefined &&
    (!Array.isArray(aliases) || aliases.length > 64 || !aliases.every((a) => typeof a === 'string' && a.length <= 256))
  ) {
    throw vulnError(VulnErrorCode.invalidVex, `${at}.aliases`, `expected at most 64 names, got ${shownValue(aliases)}`);
  }
  return [name, ...((aliases as string[] | undefined) ?? [])];
}

function component(c: unknown, at: string): VexComponent {
  if (!isRecord(c) || typeof c['@id'] !== 'string' || c['@id'].length === 0 || c['@id'].length > 2048) {
    throw vulnError(
      VulnErrorCode.invalidVex,
      at,
      `expected a component with an @id, got ${isRecord(c) ? `@id ${shownValue(c['@id'])}` : shownValue(c)}`,
    );
  }
  const id = c['@id'];
  const ids = isRecord(c['identifiers']) ? c['identifiers'] : {};
  const purl = parsePurl(id) ?? parsePurl(ids['purl']);
  return purl ? { id, purl } : { id };
}

function productsOf(v: unknown, at: string): VexProduct[] {
  if (!Array.isArray(v) || v.length === 0)
    throw vulnError(VulnErrorCode.invalidVex, at, `expected a non-empty array of products, got ${shownValue(v)}`);
  if (v.length > MAX_PRODUCTS)
    throw vulnError(VulnErrorCode.tooLarge, at, `${v.length} products, more than ${MAX_PRODUCTS}`);
  return v.map((p, i) => {
    const product = component(p, `${at}[${i}]`);
    const subs = isRecord(p) ? p['subcomponents'] : undefined;
    if (subs !== undefined && (!Array.isArray(subs) || subs.length > MAX_PRODUCTS))
      throw vulnError(
        VulnErrorCode.invalidVex,
        `${at}[${i}].subcomponents`,
        `expected an array, got ${shownValue(subs)}`,
      );
    return {
      ...product,
      subcomponents: ((subs as unknown[] | undefined) ?? []).map((c, j) =>
        component(c, `${at}[${i}].subcomponents[${j}]`),
      ),
    };
  });
}
