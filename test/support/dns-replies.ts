/**
 * A DNS server on 127.0.0.1 whose every reply is decided by the test, for the wire client's edge cases (garbage,
 * wrong ids, rcodes, cut answers) and a resolver's NS answers; test/support/dns-server.ts is the ALB's zone.
 */
import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DnsServer } from '../../lambda/dns/types';
import { LOOPBACK } from './stand-in';

/** A running scripted server. */
export interface ScriptedDnsServer {
  readonly server: DnsServer;
  readonly close: () => Promise<void>;
}
/** The datagrams answering one query, in order: none for silence. */
export type Reply = (query: dnsPacket.DecodedPacket) => Buffer[];

export async function startScriptedDnsServer(reply: Reply): Promise<ScriptedDnsServer> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    for (const datagram of reply(dnsPacket.decode(message))) socket.send(datagram, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  const { port } = socket.address() as AddressInfo;
  return { server: { host: LOOPBACK, port }, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** A response to `query` (authoritative, NOERROR and its id unless `fields` say otherwise). */
export function response(
  query: dnsPacket.DecodedPacket,
  fields: { rcode?: number; flags?: number; id?: number; answers?: dnsPacket.Answer[] } = {},
): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: fields.id ?? query.id,
    flags: (fields.flags ?? dnsPacket.AUTHORITATIVE_ANSWER) | (fields.rcode ?? 0),
    questions: query.questions,
    answers: fields.answers ?? [],
  });
}

export const aRecords = (name: string, ips: readonly string[]): dnsPacket.Answer[] =>
  ips.map((data) => ({ type: 'A', name, ttl: 60, data }));
