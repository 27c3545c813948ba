/** A failure that the resolver may recover from by trying another alternative (internal). */
export class Unresolved extends Error {}
