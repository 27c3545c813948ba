import { SetMetadata } from '@nestjs/common';
import type { Scope } from './principal';

/** Route metadata the access guard reads. A route with neither needs the `admin` scope (closed by default). */
export const REQUIRED_SCOPE = 'patch-factory:required-scope';
export const PUBLIC_ROUTE = 'patch-factory:public-route';

/** The scope a bearer token needs for this route (or every route of the controller). */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** A route without a token: health probes, and inbound webhooks that carry their own signature. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);
