// Image-update webhooks (issue 17): Standard Webhooks signatures, receiver address checks (SSRF),
// one delivery attempt over a pinned connection, the retry schedule, subscriptions' filters and
// sealed secrets, Atom feeds. A capability: no Nest, no BullMQ, no runs.
export * from './webhooks-errors';
export * from './delivery/standard-webhooks-signature';
export * from './delivery/retry-schedule';
export * from './delivery/deliver-once';
export * from './receiver-address/ip-address';
export * from './receiver-address/blocked-ranges';
export * from './receiver-address/allow-list';
export * from './receiver-address/receiver-address';
export * from './subscriptions';
export * from './feeds';
