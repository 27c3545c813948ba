import { SPDX } from '@cyclonedx/cyclonedx-library';

/** Debian's short license names (DEP-5 §7) that are not SPDX ids, to their SPDX id. */
const DEBIAN_TO_SPDX: Readonly<Record<string, string>> = {
  'GPL-1': 'GPL-1.0-only',
  'GPL-1+': 'GPL-1.0-or-later',
  'GPL-2': 'GPL-2.0-only',
  'GPL-2+': 'GPL-2.0-or-later',
  'GPL-3': 'GPL-3.0-only',
  'GPL-3+': 'GPL-3.0-or-later',
  'LGPL-2': 'LGPL-2.0-only',
  'LGPL-2+': 'LGPL-2.0-or-later',
  'LGPL-2.1': 'LGPL-2.1-only',
  'LGPL-2.1+': 'LGPL-2.1-or-later',
  'LGPL-3': 'LGPL-3.0-only',
  'LGPL-3+': 'LGPL-3.0-or-later',
  'AGPL-3': 'AGPL-3.0-only',
  'AGPL-3+': 'AGPL-3.0-or-later',
  'GFDL-1.2': 'GFDL-1.2-only',
  'GFDL-1.2+': 'GFDL-1.2-or-later',
  'GFDL-1.3': 'GFDL-1.3-only',
  'GFDL-1.3+': 'GFDL-1.3-or-later',
  Expat: 'MIT',
  'MPL-1.1': 'MPL-1.1',
  'MPL-2.0': 'MPL-2.0',
};

/** The SPDX license id a (Debian or SPDX) short license name stands for, if any. */
export function spdxLicenseId(name: string): string | undefined {
  const mapped = Object.prototype.hasOwnProperty.call(DEBIAN_TO_SPDX, name) ? DEBIAN_TO_SPDX[name] : undefined;
  // The deprecated SPDX forms (GPL-2.0, GPL-2.0+) to the current ones.
  const deprecated = /^(GPL|LGPL|AGPL|GFDL)-(\d\.\d)(\+?)$/i.exec(name);
  if (mapped === undefined && deprecated)
    return SPDX.fixupSpdxId(`${deprecated[1]}-${deprecated[2]}-${deprecated[3] === '+' ? 'or-later' : 'only'}`);
  return SPDX.fixupSpdxId(mapped ?? name);
}

/** `LicenseRef-<idstring>` for a license name that is no SPDX id (SPDX 2.3 §10.1: letters, digits, `.` and `-`). */
export function licenseRef(name: string): string {
  return `LicenseRef-${name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed'}`;
}

/**
 * A DEP-5 License short name as an SPDX license expression: `or`/`and` operators upper-cased,
 * each operand its SPDX id or a `LicenseRef-`; a name that is not such a plain expression
 * (`with` exceptions, commas, parentheses) becomes one `LicenseRef-`. Returns the expression
 * and the LicenseRefs it used, with the names they stand for.
 */
export function spdxExpression(name: string): { expression: string; refs: Map<string, string> } {
  const refs = new Map<string, string>();
  const operand = (text: string) => {
    const id = spdxLicenseId(text);
    if (id !== undefined) return id;
    const ref = licenseRef(text);
    refs.set(ref, text);
    return ref;
  };
  const parts = name.split(/\s+(or|and)\s+/i);
  const plain = parts.every((p, i) => (i % 2 === 1 ? true : /^[A-Za-z0-9.+_-]+$/.test(p)));
  if (!plain) return { expression: operand(name), refs };
  const expression = parts.map((p, i) => (i % 2 === 1 ? p.toUpperCase() : operand(p))).join(' ');
  return { expression, refs };
}
