import type { Alias, Document, LineCounter, Node } from 'yaml';

/** A parsed catalog file: its YAML document (every node with its source range) and its value. */
export interface YamlSource {
  /** The file as the caller named it (used in messages). */
  readonly file: string;
  readonly text: string;
  readonly document: Document.Parsed;
  /** Offsets to 1-based lines and columns. */
  readonly lineCounter: LineCounter;
  /** The node each alias in the document stands for. */
  readonly aliases: ReadonlyMap<Alias, Node>;
  /** The document as plain data: mappings, sequences, strings, finite numbers, booleans, null. */
  readonly value: unknown;
}
