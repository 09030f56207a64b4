/**
 * A DNS server over UDP on 127.0.0.1 that answers like an ALB's authoritative zone: each A answer holds
 * 8 distinct addresses drawn at random from the ALB's N nodes (all of them when N <= 8), TTL 60, AA set.
 * Packets are encoded and decoded with dns-packet.
 */
import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { createRng, sample } from '../../bench/rng';
import { FaultPlan, LOOPBACK, type FaultOptions } from './stand-in';

/** SERVFAIL; no answer at all (the client times out); NOERROR with no records. */
export type DnsFault = 'servfail' | 'drop' | 'empty';

export interface DnsServerOptions {
  /** The ALB's DNS name. */
  readonly name: string;
  /** The ALB's node addresses. Change them between runs with `setAddresses`. */
  readonly addresses: readonly string[];
  /** Name servers of the ALB's zone (its name without the first label): host name -> IPv4. @default none */
  readonly nameServers?: Readonly<Record<string, string>>;
  /** Every answer waits this long, for wall-time measurements over loopback. @default 0 */
  readonly delayMs?: number;
  /** Seeds the address draws and fractional faults. @default 1 */
  readonly seed?: number;
}

/** One query as the server saw it. */
export interface DnsQueryRecord {
  readonly name: string;
  readonly type: string;
  readonly fault?: DnsFault;
  /** Addresses (A) or host names (NS) answered. */
  readonly answered: readonly string[];
}

export interface DnsStandIn {
  readonly port: number;
  /** Every query received, in order. */
  readonly queries: readonly DnsQueryRecord[];
  readonly addresses: readonly string[];
  /** Scale out, scale in or replace the ALB's nodes. */
  setAddresses(addresses: readonly string[]): void;
  /** Fails matching queries (`operation` is the query type, e.g. 'A'). */
  fail(fault: DnsFault, options?: FaultOptions): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

/** An ALB answer holds at most this many addresses. */
export const ALB_ANSWER_SIZE = 8;
/** ALB records live 60 s. */
export const ALB_TTL_SECONDS = 60;

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

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
  /** Answers still waiting out `delayMs`; dropped on stop. */
  const pending = new Set<NodeJS.Timeout>();

  /** The records answering one question, or undefined when the name does not exist here. */
  const recordsFor = (question: Question): Answer[] | undefined => {
    const name = question.name.toLowerCase();
    const record = (type: 'A' | 'NS', data: string): Answer => ({ name: question.name, type, class: 'IN', ttl: ALB_TTL_SECONDS, data });
    if (name === albName) return question.type === 'A' ? sample(rng, addresses, ALB_ANSWER_SIZE).map((ip) => record('A', ip)) : [];
    if (name === zone) return question.type === 'NS' ? nameServers.map(([host]) => record('NS', host)) : [];
    const server = nameServers.find(([host]) => host === name);
    if (server) return question.type === 'A' ? [record('A', server[1])] : [];
    return undefined;
  };

  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, peer) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: a real server drops it too
    }
    const question = query.questions?.[0];
    if (query.type !== 'query' || !question) return;
    const fault = faults.draw(question.type);
    const records = fault === undefined ? recordsFor(question) : [];
    const rcode = fault === 'servfail' ? RCODE.SERVFAIL : records === undefined ? RCODE.NXDOMAIN : RCODE.NOERROR;
    const answers = records ?? [];
    queries.push({ name: question.name, type: question.type, fault, answered: answers.map((answer) => String(answer.data)) });
    if (fault === 'drop') return;
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
      questions: [question],
      answers,
    });
    const timer = setTimeout(() => {
      pending.delete(timer);
      socket.send(response, peer.port, peer.address);
    }, options.delayMs ?? 0);
    pending.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, LOOPBACK, resolve);
  });

  return {
    port: (socket.address() as AddressInfo).port,
    queries,
    get addresses() {
      return addresses;
    },
    setAddresses(next) {
      addresses = [...next];
    },
    fail: (fault, faultOptions) => faults.add(fault, faultOptions),
    clearFaults: () => faults.clear(),
    stop: () => {
      pending.forEach(clearTimeout);
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
