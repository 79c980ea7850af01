// An EventBus that tells an observer about every event it publishes: how a service's metrics
// follow what the service says, without the service calling them.
import type { AnyEvent } from '../schemas/events.ts';
import type { EventBus } from './bus.ts';

export function observePublished(bus: EventBus, observe: (event: AnyEvent) => void): EventBus {
  return {
    kind: bus.kind,
    async publish(events) {
      await bus.publish(events);
      for (const e of events) observe(e);
    },
    publishRaw: (topic, key, value, headers) => bus.publishRaw(topic, key, value, headers),
    subscribe: (options) => bus.subscribe(options),
    isConnected: () => bus.isConnected(),
    close: () => bus.close(),
  };
}
