/**
 * Who made a request, as the access guard established it from the bearer token. Scopes are
 * what a token may do; roles are named bundles of scopes.
 */
export const SCOPES = ['read', 'trigger', 'events', 'replay', 'webhooks', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Roles: bundles of scopes a token can be created with (`--role`). `admin` holds every scope.
 * `webhooks` manages the webhook subscriptions its token's name owns (and replays their
 * deliveries): `subscriber` is what a team consuming the images gets.
 */
export const ROLES = {
  reader: ['read'],
  operator: ['read', 'trigger', 'replay', 'webhooks'],
  ingest: ['events'],
  subscriber: ['read', 'webhooks'],
  admin: ['read', 'trigger', 'events', 'replay', 'webhooks', 'admin'],
} as const satisfies Record<string, readonly Scope[]>;
export type Role = keyof typeof ROLES;

export interface Principal {
  /** The token's public id (never its secret). */
  tokenId: string;
  /** The name it was created with (who holds it), for the audit log. */
  name: string;
  scopes: readonly Scope[];
}

/** The request property the guard sets. */
const PRINCIPAL = Symbol.for('patch-factory.principal');

/** The principal of an authenticated request, or undefined (a public route, or before the guard ran). */
export function principalOf(req: object): Principal | undefined {
  return (req as Record<symbol, Principal | undefined>)[PRINCIPAL];
}

export function setPrincipal(req: object, principal: Principal): void {
  (req as Record<symbol, Principal>)[PRINCIPAL] = principal;
}

/** True when the principal holds the scope (`admin` holds every scope). */
export function hasScope(principal: Principal | undefined, scope: Scope): boolean {
  return !!principal && (principal.scopes.includes(scope) || principal.scopes.includes('admin'));
}
