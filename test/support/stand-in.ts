/**
 * What the protocol stand-ins share: programmable faults and a loopback HTTP listener.
 * Everything listens on 127.0.0.1 only, on a port the OS picks.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rng } from '../../bench/rng';

export const LOOPBACK = '127.0.0.1';

/** When an injected fault applies. */
export interface FaultOptions {
  /** Only requests of this operation (DNS: the query type; S3: GetObject/PutObject; ELBv2: the Action). @default every operation */
  readonly operation?: string;
  /** How many matching requests fail, after which the fault is spent. @default Infinity (until `clearFaults`) */
  readonly times?: number;
  /** Share of matching requests that fail, drawn from the stand-in's seeded RNG. @default 1 */
  readonly fraction?: number;
}

interface FaultRule<F> {
  readonly fault: F;
  readonly operation?: string;
  readonly fraction: number;
  remaining: number;
}

/** Faults to inject, drawn in the order they were added: "fail the next k" and "fail a fraction" alike. */
export class FaultPlan<F> {
  private rules: FaultRule<F>[] = [];

  constructor(private readonly rng: Rng) {}

  add(fault: F, { operation, times = Infinity, fraction = 1 }: FaultOptions = {}): void {
    if (!(times > 0)) throw new RangeError(`fault times must be positive, got ${times}`);
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fault fraction must lie in (0, 1], got ${fraction}`);
    this.rules.push({ fault, operation, fraction, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault this request meets, if any. A fraction rule counts only the requests it actually failed. */
  draw(operation: string): F | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || (rule.operation !== undefined && rule.operation !== operation)) continue;
      if (rule.fraction < 1 && this.rng.next() >= rule.fraction) continue;
      rule.remaining -= 1;
      return rule.fault;
    }
    return undefined;
  }
}

/** An HTTP response, as a stand-in composes it. */
export interface HttpReply {
  readonly status: number;
  /** Holds this reply back this long instead of the listener's latency: one stalled call. */
  readonly delayMs?: number;
  /** Sends the reply (composed on arrival) only once this settles, e.g. when other requests have arrived too. */
  readonly after?: Promise<void>;
  /** Closes the connection instead of answering: the request was carried out, its answer lost on the way. */
  readonly drop?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpListener {
  readonly port: number;
  readonly endpoint: string;
  /** Holds every later reply back this long: a slow or stalled service. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** Serves `handle` on 127.0.0.1, waiting the current latency before each reply. */
export async function listenHttp(handle: (request: HttpRequest) => HttpReply, initialLatencyMs = 0): Promise<HttpListener> {
  let latencyMs = initialLatencyMs;
  /** Replies still waiting out the latency; dropped on close. */
  const pending = new Set<NodeJS.Timeout>();
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request = {
        method: incoming.method ?? 'GET',
        url: new URL(incoming.url ?? '/', `http://${LOOPBACK}`),
        headers: incoming.headers,
        body: Buffer.concat(chunks),
      };
      let reply: HttpReply;
      try {
        reply = handle(request);
      } catch (error) {
        // A bug in a stand-in must fail the test loudly, not pass as a server fault the SDK would retry.
        reply = { status: 400, body: `stand-in failed: ${(error as Error).stack}` };
      }
      const body = reply.body ?? '';
      void Promise.resolve(reply.after).then(() => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          if (reply.drop) {
            outgoing.destroy();
            return;
          }
          outgoing.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(body)) });
          outgoing.end(body);
        }, reply.delayMs ?? latencyMs);
        pending.add(timer);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    endpoint: `http://${LOOPBACK}:${port}`,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        pending.forEach(clearTimeout);
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Text safe inside an XML element. */
export function xmlText(value: string | number): string {
  return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
