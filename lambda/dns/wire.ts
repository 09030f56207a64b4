/** The DNS wire client: one A query over UDP, again over TCP when truncated, read into a `DnsAnswer`. */
import { randomInt } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { isIpv4 } from '../ip';
import type { DnsFailureKind } from '../types';
import { LOST_KINDS } from './failures';
import type { DnsAnswer, QueryFn } from './types';

/** DNS response codes and the failure kind each one is. */
const RCODE_KINDS: Readonly<Record<number, { readonly name: string; readonly kind: DnsFailureKind }>> = {
  1: { name: 'FORMERR', kind: 'other' },
  2: { name: 'SERVFAIL', kind: 'servfail' },
  3: { name: 'NXDOMAIN', kind: 'nxdomain' },
  4: { name: 'NOTIMP', kind: 'other' },
  5: { name: 'REFUSED', kind: 'refused' },
};

/**
 * Real DNS: over UDP, with a fresh socket (random source port) and a random id per query, connected to the
 * server; an answer truncated over UDP is asked again over TCP, which carries it whole (RFC 7766). Each leg waits
 * at most `timeoutMs`. A truncated answer that TCP cannot complete fails as `truncated`.
 */
export function udpQuery(options: { readonly timeoutMs: number }): QueryFn {
  return async (server, name) => {
    const id = randomInt(0, 0x10000);
    const packet: dnsPacket.Packet = {
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'A', name, class: 'IN' }],
    };
    const where = `${server.host}:${server.port}`;
    const overUdp = await exchange(where, options.timeoutMs, (settle) => {
      // A connected socket only receives datagrams from the server it asked.
      const socket = dgram.createSocket('udp4');
      socket.on('error', (error) => settle(unreachable(error)));
      socket.on('message', (message) => {
        const answer = readResponse(() => dnsPacket.decode(message), message, id, name);
        if (answer !== undefined) settle(answer);
      });
      socket.connect(server.port, server.host, () => socket.send(dnsPacket.encode(packet), (error) => error && settle(unreachable(error))));
      return () => socket.close();
    });
    if (overUdp.ok || overUdp.kind !== 'truncated') return overUdp;

    const overTcp = await exchange(where, options.timeoutMs, (settle) => {
      const socket = net.connect({ host: server.host, port: server.port });
      let received = Buffer.alloc(0);
      socket.on('error', (error) => settle(unreachable(error)));
      socket.on('connect', () => socket.write(dnsPacket.streamEncode(packet)));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        // On a stream each message comes after its length in two bytes: wait for the whole of it.
        if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
        const answer = readResponse(() => dnsPacket.streamDecode(received) as dnsPacket.DecodedPacket, received.subarray(2), id, name);
        settle(answer ?? { ok: false, kind: 'malformed', error: 'the answer over TCP is not the response to the question' });
      });
      socket.on('end', () => settle({ ok: false, kind: 'unreachable', error: 'the TCP connection closed before a whole answer' }));
      return () => socket.destroy();
    });
    const tcpLost = !overTcp.ok && LOST_KINDS.has(overTcp.kind);
    return tcpLost ? { ok: false, kind: 'truncated', error: `truncated over UDP, and over TCP ${overTcp.error}` } : overTcp;
  };
}

const unreachable = (error: Error): DnsAnswer => ({ ok: false, kind: 'unreachable', error: error.message });

/**
 * One exchange with a server: `open` starts it and returns how to close it; the first answer settles it, and
 * a server that stays silent for `timeoutMs` fails it. Failures name the server.
 */
function exchange(where: string, timeoutMs: number, open: (settle: (answer: DnsAnswer) => void) => () => void): Promise<DnsAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: DnsAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close();
      resolve(answer.ok ? answer : { ...answer, error: `${where}: ${answer.error}` });
    };
    const timer = setTimeout(() => settle({ ok: false, kind: 'timeout', error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    // Sockets answer, fail and time out from the event loop, so settle never runs before open returns close.
    const close = open(settle);
  });
}

/** A DNS header: id, flags and four counts, two bytes each. */
const HEADER_BYTES = 12;
/** The QR bit of the header's flags: set in responses. */
const QR_BIT = 0x80;

/**
 * The answer a DNS message carries, or undefined when it is not the response to our question (garbage, another
 * id, another question: keep waiting). A response with our id that does not decode is our answer, mangled.
 */
function readResponse(decode: () => dnsPacket.DecodedPacket, message: Buffer, id: number, name: string): DnsAnswer | undefined {
  let response: dnsPacket.DecodedPacket;
  try {
    response = decode();
  } catch (error) {
    const ours = message.length >= HEADER_BYTES && message.readUInt16BE(0) === id && (message[2] & QR_BIT) !== 0;
    return ours ? { ok: false, kind: 'malformed', error: `undecodable answer (${(error as Error).message})` } : undefined;
  }
  const question = response.questions?.[0];
  const asked = name.toLowerCase();
  if (response.type !== 'response' || response.id !== id || question?.type !== 'A' || question.name.toLowerCase() !== asked)
    return undefined;
  if (response.flag_tc) return { ok: false, kind: 'truncated', error: 'truncated answer' };
  const rcode = (response.flags ?? 0) & 0x0f;
  if (rcode !== 0) return { ok: false, kind: RCODE_KINDS[rcode]?.kind ?? 'other', error: RCODE_KINDS[rcode]?.name ?? `rcode ${rcode}` };
  // Follow a CNAME chain, if any, to the names whose A records answer the question.
  const names = new Set([asked]);
  for (const record of response.answers ?? []) {
    if (record.type === 'CNAME' && names.has(record.name.toLowerCase())) names.add(record.data.toLowerCase());
  }
  const addresses = (response.answers ?? []).flatMap((record) =>
    record.type === 'A' && names.has(record.name.toLowerCase()) ? [record.data] : [],
  );
  // dns-packet reads a cut-off A record as "10.undefined.undefined.undefined" rather than failing.
  const broken = addresses.find((address) => !isIpv4(address));
  if (broken !== undefined) return { ok: false, kind: 'malformed', error: `an A record that is not an IPv4 address (${broken})` };
  const chain = (response.answers ?? []).filter((record) => record.type === 'CNAME' && names.has(record.name.toLowerCase())).length;
  return { ok: true, addresses, records: (response.answers ?? []).length - chain, authoritative: response.flag_aa === true };
}
