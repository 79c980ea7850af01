// Key -> partition, so a run lives on one partition in both transports.
// FNV-1a: stable across processes and languages (Kafka itself uses murmur2 in the Java client;
// the Kafka transport lets kafkajs's default partitioner decide, this is for the memory log).
export function partitionForKey(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
