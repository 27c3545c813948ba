/** cluster-key-slot 1.1.1 ships no types: the Redis Cluster hash slot (0–16383) of a key. */
declare module 'cluster-key-slot' {
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}
