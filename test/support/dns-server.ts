/**
 * A DNS server on 127.0.0.1 that answers like an ALB's authoritative zone: each A answer holds 8 distinct
 * addresses drawn at random from the ALB's N nodes (all of them when N <= 8), TTL 60, AA set. It listens on UDP
 * and, on the same port, on TCP (RFC 7766 framing), where every answer is whole: faults are injected on UDP only.
 * Packets are encoded and decoded with dns-packet.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { createRng, sample } from '../../bench/rng';
import { FaultPlan, LOOPBACK, type FaultOptions } from './stand-in';

/**
 * What a faulty answer over UDP looks like:
 * - `servfail`, `nxdomain`, `refused`: that response code, no records;
 * - `drop`: no answer at all (the client times out);
 * - `empty`: NOERROR with no records;
 * - `truncate`: the TC flag with 3 of the records, as a server does when the answer does not fit (TCP has it whole);
 * - `duplicate`: 8 records of which one repeats another (7 distinct), which no well-behaved server sends;
 * - `cached`: what a caching resolver answers, the same addresses every time and without the AA flag;
 * - `mixed`: 8 records of which 6 are A records and 2 TXT records of the same name (a full answer section).
 */
export type DnsFault = 'servfail' | 'nxdomain' | 'refused' | 'drop' | 'empty' | 'truncate' | 'duplicate' | 'cached' | 'mixed';

export interface DnsServerOptions {
  /** The ALB's DNS name. */
  readonly name: string;
  /** The ALB's node addresses. Change them between runs with `setAddresses`. */
  readonly addresses: readonly string[];
  /** Name servers of the ALB's zone (its name without the first label): host name -> IPv4. @default none */
  readonly nameServers?: Readonly<Record<string, string>>;
  /** Every UDP answer waits this long, for wall-time measurements over loopback. @default 0 */
  readonly delayMs?: number;
  /** Seeds the address draws and fractional faults. @default 1 */
  readonly seed?: number;
  /** Answer over TCP; false closes every TCP connection unanswered, so a retry over TCP fails. @default true */
  readonly tcp?: boolean;
}

/** One query as the server saw it. */
export interface DnsQueryRecord {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
  readonly fault?: DnsFault;
  /** Addresses (A) or host names (NS) answered. */
  readonly answered: readonly string[];
}

export interface DnsStandIn {
  readonly port: number;
  /** Every query received, in order. */
  readonly queries: readonly DnsQueryRecord[];
  readonly addresses: readonly string[];
  /** The most UDP answers waiting out `delayMs` at once: above 1, the client's queries overlapped. */
  readonly mostPending: number;
  /** Scale out, scale in or replace the ALB's nodes. */
  setAddresses(addresses: readonly string[]): void;
  /** Fails matching UDP queries (`operation` is the query type, e.g. 'A'). */
  fail(fault: DnsFault, options?: FaultOptions): void;
  /** Clears the faults and what `cached` remembered. */
  clearFaults(): void;
  stop(): Promise<void>;
}

/** An ALB answer holds at most this many addresses. */
export const ALB_ANSWER_SIZE = 8;
/** ALB records live 60 s. */
export const ALB_TTL_SECONDS = 60;
/** Records a `truncate` answer keeps. */
const TRUNCATED_RECORDS = 3;
/** A records of a `mixed` answer; the rest of its 8 are TXT. */
const MIXED_A_RECORDS = 6;
/** Tries at finding a port free for both UDP and TCP. */
const PORT_TRIES = 20;

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const FAULT_RCODES: Partial<Record<DnsFault, number>> = { servfail: RCODE.SERVFAIL, nxdomain: RCODE.NXDOMAIN, refused: RCODE.REFUSED };

type Question = dnsPacket.Question;
type Answer = dnsPacket.StringAnswer;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsStandIn> {
  const rng = createRng(options.seed ?? 1);
  const faults = new FaultPlan<DnsFault>(rng);
  const queries: DnsQueryRecord[] = [];
  const albName = options.name.toLowerCase();
  const zone = albName.slice(albName.indexOf('.') + 1);
  const nameServers = Object.entries(options.nameServers ?? {}).map(([host, ip]) => [host.toLowerCase(), ip] as const);
  let addresses = [...options.addresses];
  /** What a `cached` fault answers, once drawn. */
  let cached: string[] | undefined;
  /** Answers still waiting out `delayMs`; dropped on stop. */
  const pending = new Set<NodeJS.Timeout>();
  let mostPending = 0;

  /** The records answering one question, or undefined when the name does not exist here. */
  const recordsFor = (question: Question, fault: DnsFault | undefined): Answer[] | undefined => {
    const name = question.name.toLowerCase();
    const record = (type: 'A' | 'NS', data: string): Answer => ({ name: question.name, type, class: 'IN', ttl: ALB_TTL_SECONDS, data });
    if (name === albName) {
      if (question.type !== 'A') return [];
      if (fault === 'cached') cached ??= sample(rng, addresses, ALB_ANSWER_SIZE);
      const drawn = fault === 'cached' ? cached! : sample(rng, addresses, ALB_ANSWER_SIZE);
      if (fault === 'mixed')
        return [
          ...drawn.slice(0, MIXED_A_RECORDS).map((ip) => record('A', ip)),
          ...drawn.slice(MIXED_A_RECORDS).map((ip) => ({ ...record('A', ip), type: 'TXT', data: `node ${ip}` }) as unknown as Answer),
        ];
      return (fault === 'duplicate' ? [...drawn.slice(0, -1), drawn[0]] : drawn).map((ip) => record('A', ip));
    }
    if (name === zone) return question.type === 'NS' ? nameServers.map(([host]) => record('NS', host)) : [];
    const server = nameServers.find(([host]) => host === name);
    if (server) return question.type === 'A' ? [record('A', server[1])] : [];
    return undefined;
  };

  /** The response to one query, or undefined for none at all. TCP answers draw no fault. */
  const respond = (message: Buffer, transport: 'udp' | 'tcp', decode: (message: Buffer) => dnsPacket.Packet): Buffer | undefined => {
    let query: dnsPacket.Packet;
    try {
      query = decode(message);
    } catch {
      return undefined; // not DNS: a real server drops it too
    }
    const question = query.questions?.[0];
    if (query.type !== 'query' || !question) return undefined;
    const fault = transport === 'udp' ? faults.draw(question.type) : undefined;
    const faultRcode = fault && FAULT_RCODES[fault];
    const records = fault === 'empty' || faultRcode !== undefined ? [] : recordsFor(question, fault);
    const rcode = faultRcode ?? (records === undefined ? RCODE.NXDOMAIN : RCODE.NOERROR);
    const answers = fault === 'truncate' ? (records ?? []).slice(0, TRUNCATED_RECORDS) : (records ?? []);
    queries.push({ name: question.name, type: question.type, transport, fault, answered: answers.map((answer) => String(answer.data)) });
    if (fault === 'drop') return undefined;
    const flags =
      (fault === 'cached' ? 0 : dnsPacket.AUTHORITATIVE_ANSWER) |
      (fault === 'truncate' ? dnsPacket.TRUNCATED_RESPONSE : 0) |
      ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
      rcode;
    const response: dnsPacket.Packet = { type: 'response', id: query.id, flags, questions: [question], answers };
    return transport === 'udp' ? dnsPacket.encode(response) : dnsPacket.streamEncode(response);
  };

  const onUdp = (socket: dgram.Socket, message: Buffer, peer: dgram.RemoteInfo): void => {
    const response = respond(message, 'udp', dnsPacket.decode);
    if (response === undefined) return;
    const timer = setTimeout(() => {
      pending.delete(timer);
      socket.send(response, peer.port, peer.address);
    }, options.delayMs ?? 0);
    pending.add(timer);
    mostPending = Math.max(mostPending, pending.size);
  };
  const onTcp = (framed: Buffer): Buffer | undefined =>
    options.tcp === false ? undefined : respond(framed, 'tcp', dnsPacket.streamDecode);
  const { port, close } = await listen(onUdp, onTcp);

  return {
    port,
    queries,
    get addresses() {
      return addresses;
    },
    get mostPending() {
      return mostPending;
    },
    setAddresses(next) {
      addresses = [...next];
    },
    fail: (fault, faultOptions) => faults.add(fault, faultOptions),
    clearFaults: () => {
      faults.clear();
      cached = undefined;
    },
    stop: () => {
      pending.forEach(clearTimeout);
      return close();
    },
  };
}

type UdpHandler = (socket: dgram.Socket, message: Buffer, peer: dgram.RemoteInfo) => void;
/** The framed response to a framed query, or undefined to close the connection unanswered. */
type TcpHandler = (framed: Buffer) => Buffer | undefined;

/** A UDP socket and a TCP listener on one port of 127.0.0.1, as a name server has. */
async function listen(onUdp: UdpHandler, onTcp: TcpHandler): Promise<{ port: number; close: () => Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(onUdp);
    const port = (udp.address() as AddressInfo).port;
    const closeUdp = () => new Promise<void>((resolve) => udp.close(() => resolve()));
    try {
      const closeTcp = await listenTcp(port, onTcp);
      return { port, close: async () => void (await Promise.all([closeUdp(), closeTcp()])) };
    } catch (error) {
      // The port the OS gave UDP is taken for TCP: try another.
      await closeUdp();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === PORT_TRIES) throw error;
    }
  }
}

async function bindUdp(onMessage: UdpHandler): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => onMessage(socket, message, peer));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, resolve);
  });
  return socket;
}

/** Serves framed DNS messages on TCP `port`, answering each whole message received; resolves to how to close it. */
async function listenTcp(port: number, respond: TcpHandler): Promise<() => Promise<void>> {
  const connections = new Set<net.Socket>();
  const server = net.createServer((connection) => {
    let received = Buffer.alloc(0);
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
    connection.on('error', () => connection.destroy());
    connection.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // Each message comes after its length in two bytes.
      while (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        const size = 2 + received.readUInt16BE(0);
        const response = respond(received.subarray(0, size));
        received = received.subarray(size);
        if (response === undefined) return void connection.destroy();
        connection.write(response);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, resolve);
  });
  // Closing waits for open connections: end them, so a stop never waits on a client.
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      connections.forEach((connection) => connection.destroy());
    });
}
