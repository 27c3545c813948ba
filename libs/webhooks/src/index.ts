// Image-update webhooks (issue 17): Standard Webhooks signatures, receiver address checks (SSRF),
// one delivery attempt over a pinned connection, the retry schedule, subscriptions' filters and
// sealed secrets, Atom feeds. A capability: no Nest, no BullMQ, no runs.
export {};
