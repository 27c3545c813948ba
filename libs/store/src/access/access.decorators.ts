import { SetMetadata } from '@nestjs/common';
import type { Scope } from './principal';

/** Route metadata the access guard reads. A route with neither needs the `admin` scope (closed by default). */
export const REQUIRED_SCOPE = 'patch-factory:required-scope';
export const PUBLIC_ROUTE = 'patch-factory:public-route';
export const PUBLIC_WHEN = 'patch-factory:public-when';

/** A boolean setting that opens a route to callers without a token when the operator sets it true. */
export type PublicSetting = 'PF_FEEDS_PUBLIC';

/** The scope a bearer token needs for this route (or every route of the controller). */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** A route without a token: health probes, and inbound webhooks that carry their own signature. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

/** A route that needs its scope unless the operator turned `setting` on (feeds: PF_FEEDS_PUBLIC); then it needs no token. */
export const PublicWhen = (setting: PublicSetting) => SetMetadata(PUBLIC_WHEN, setting);
