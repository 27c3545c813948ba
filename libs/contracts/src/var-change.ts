/**
 * One variable of a definition changing value: what a PatchRequest applies to a catalog file,
 * and what the update bot announces for it (`old === new`: listed but kept). `name` is the
 * variable's in the definition's `vars:` mapping (UPPER_SNAKE_CASE). Hostile names and values are
 * refused by libs/definitions' checkVarChange before a file is edited, and again by libs/forge's
 * assertPatchChange before anything is committed.
 */
export interface VarChange {
  name: string;
  old: string;
  new: string;
}
