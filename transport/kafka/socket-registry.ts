// Every socket a KafkaBus opens, so close() can end the ones kafkajs forgets.
//
// After a broker restart, kafkajs drops a broker whose connection closed from its pool without
// disconnecting it (BrokerPool.removeBroker), while the consumer group keeps that Broker object
// as its coordinator and reconnects it on the next heartbeat. Disconnecting the consumer then
// closes the pool's brokers only: the coordinator's socket stays open until the broker's idle
// timeout (connections.max.idle.ms, 10 minutes by default). It held test processes open in CI,
// and it would hold a stopped service's process open past its SIGTERM grace period.
// The factory below is kafkajs's default (net or tls, keep-alive 60 s) plus the bookkeeping.
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

const KEEP_ALIVE_DELAY_MS = 60_000;

export class SocketRegistry {
  private readonly open = new Set<net.Socket>();

  /** The `socketFactory` to give kafkajs. */
  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...(typeof ssl === 'object' ? ssl : {}) }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  /** Sockets opened and not yet closed. */
  get size(): number {
    return this.open.size;
  }

  /** Destroys every socket still open; returns how many there were. Call after every client disconnected. */
  destroyAll(): number {
    const left = this.open.size;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    return left;
  }
}
