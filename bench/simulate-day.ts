/**
 * A simulated day, minute by minute: an ALB that scales out and in, replaces nodes, loses its DNS for a while
 * and loses most of its nodes at once. Each minute a contender's function runs once against the seeded DNS
 * model and a simulated target group, and its register/deregister decisions take effect at once (the NLB's own
 * 90-180 s registration latency is the same for both contenders and is left out).
 */
import type { Target } from '../lambda/types';
import { LISTENER_PORT, type Contender } from './contenders';
import { albDnsModel, MODEL_ALB, nodeAddress, type DnsView } from './dns-model';
import { createRng, randomInt, sample, type Rng } from './rng';
import { percentile } from './stats';
import type { DayFigures, DayTotals } from './types';

export type DayEvent =
  /** Add or remove nodes evenly over minutes [from, to) until the ALB has `nodes`. */
  | { readonly kind: 'scale'; readonly from: number; readonly to: number; readonly nodes: number }
  /** Every DNS query fails (SERVFAIL) during minutes [from, to); the nodes keep serving. */
  | { readonly kind: 'dns-outage'; readonly from: number; readonly to: number }
  /** A `fraction` of the nodes vanish at minute `at`. */
  | { readonly kind: 'mass-loss'; readonly at: number; readonly fraction: number };

export interface DaySchedule {
  readonly minutes: number;
  readonly initialNodes: number;
  /** Chance per minute that one node is replaced: its IP leaves DNS and a new one appears. */
  readonly replacementChancePerMinute: number;
  readonly events: readonly DayEvent[];
}

const at = (hours: number, minutes = 0): number => hours * 60 + minutes;

/** The day of issue 4. */
export const FULL_DAY: DaySchedule = {
  minutes: at(24),
  initialNodes: 40,
  replacementChancePerMinute: 0.02,
  events: [
    { kind: 'scale', from: at(8), to: at(9), nodes: 100 },
    { kind: 'dns-outage', from: at(10), to: at(10, 10) },
    { kind: 'mass-loss', at: at(13), fraction: 0.8 },
    { kind: 'scale', from: at(13, 15), to: at(14, 35), nodes: 100 },
    { kind: 'scale', from: at(18), to: at(19), nodes: 40 },
  ],
};

/** What the ALB looks like in one minute. */
export interface MinuteOfDay {
  readonly nodes: readonly string[];
  readonly dnsUp: boolean;
}

export interface Timeline {
  readonly minutes: readonly MinuteOfDay[];
  readonly zoneOf: ReadonlyMap<string, string>;
}

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] as const;

/** Seed streams, so the timeline and each minute's DNS answers never share random numbers. */
const STREAM = { timeline: 1, dns: 2, wait: 3 } as const;

/** Minutes between scheduled runs. */
const SCHEDULE_SECONDS = 60;

export function buildTimeline(schedule: DaySchedule, seed: number): Timeline {
  const rng = createRng(seed, STREAM.timeline);
  const zoneOf = new Map<string, string>();
  let nodes: string[] = [];
  const launch = (): string => {
    const ip = nodeAddress(zoneOf.size);
    zoneOf.set(ip, ZONES[zoneOf.size % ZONES.length]);
    return ip;
  };
  const remove = (count: number): void => {
    const gone = new Set(sample(rng, nodes, count));
    nodes = nodes.filter((ip) => !gone.has(ip));
  };
  nodes = Array.from({ length: schedule.initialNodes }, launch);

  const minutes: MinuteOfDay[] = [];
  for (let minute = 0; minute < schedule.minutes; minute++) {
    for (const event of schedule.events) {
      if (event.kind === 'scale' && minute >= event.from && minute < event.to) {
        const step = Math.ceil(Math.abs(event.nodes - nodes.length) / (event.to - minute));
        if (event.nodes > nodes.length) nodes.push(...Array.from({ length: step }, launch));
        else remove(step);
      } else if (event.kind === 'mass-loss' && minute === event.at) {
        remove(Math.round(nodes.length * event.fraction));
      }
    }
    if (minute > 0 && nodes.length > 0 && rng.next() < schedule.replacementChancePerMinute) {
      nodes.splice(randomInt(rng, nodes.length), 1);
      nodes.push(launch());
    }
    const dnsUp = !schedule.events.some((e) => e.kind === 'dns-outage' && minute >= e.from && minute < e.to);
    minutes.push({ nodes: [...nodes], dnsUp });
  }
  return { minutes, zoneOf };
}

function dnsOf(minute: MinuteOfDay, rng: Rng) {
  const view: DnsView = minute.dnsUp ? { up: true, addresses: minute.nodes } : { up: false };
  return albDnsModel(MODEL_ALB.name, rng, () => view);
}

/**
 * Runs `contender` through the day. Both contenders get the same timeline and, minute by minute, the same
 * stream of DNS answers (common random numbers), so their differences come from their rules alone.
 */
export async function simulateDay(contender: Contender, timeline: Timeline, seed: number): Promise<DayTotals> {
  const fn = contender.deploy(MODEL_ALB.name, MODEL_ALB.servers);
  const targets = new Map<string, Target>();
  const seen = new Set<string>();
  /** ip -> minute it first appeared, until its first registration. */
  const awaitingRegistration = new Map<string, number>();
  const registrationDelays: number[] = [];
  const registrationDelaySeconds: number[] = [];
  /** Where in its minute each registered node appeared, drawn from one seeded stream per day. */
  const wait = createRng(seed, STREAM.wait);
  let previous = new Set<string>();
  const totals = {
    invocations: 0,
    eventInvocations: 0,
    dnsQueries: 0,
    ec2Calls: 0,
    describeCalls: 0,
    registerCalls: 0,
    deregisterCalls: 0,
    s3Reads: 0,
    s3Writes: 0,
    staleTargetMinutes: 0,
    unservedNodeMinutes: 0,
    liveDeregistrations: 0,
    liveDeregistrationsInDnsOutage: 0,
  };

  for (const [index, minute] of timeline.minutes.entries()) {
    const live = new Set(minute.nodes);
    for (const ip of minute.nodes) {
      if (!seen.has(ip)) awaitingRegistration.set(ip, index);
      seen.add(ip);
    }

    const registered = [...targets.values()].map((t) => ({ ...t, health: live.has(t.ip) ? 'healthy' : 'unhealthy' }));
    const run = await fn.invoke(dnsOf(minute, createRng(seed, STREAM.dns, index)), registered, minute.nodes);
    if (contender.eventLatencySeconds !== undefined) {
      // Each interface created or deleted invokes the function once more; within the minute those runs do what
      // the scheduled one does (a minute is the model's step), so they add calls, and registration time below.
      const changes = minute.nodes.filter((ip) => !previous.has(ip)).length + [...previous].filter((ip) => !live.has(ip)).length;
      totals.eventInvocations += changes;
      totals.ec2Calls += changes * run.ec2Calls;
      totals.describeCalls += changes;
      totals.s3Reads += changes;
    }
    previous = live;

    for (const ip of run.register) {
      if (targets.has(ip)) continue;
      targets.set(ip, { ip, port: LISTENER_PORT, availabilityZone: timeline.zoneOf.get(ip) ?? 'unknown' });
      const since = awaitingRegistration.get(ip);
      if (since !== undefined) {
        registrationDelays.push(index - since);
        // Seconds from the node's appearance (somewhere in its minute) to the run that registered it.
        const intoMinute = wait.next() * SCHEDULE_SECONDS;
        const firstRun = contender.eventLatencySeconds ?? SCHEDULE_SECONDS - intoMinute;
        registrationDelaySeconds.push(index === since ? firstRun : (index - since) * SCHEDULE_SECONDS + SCHEDULE_SECONDS - intoMinute);
      }
      awaitingRegistration.delete(ip);
    }
    for (const target of run.deregister) {
      const current = targets.get(target.ip);
      // As on AWS, deregistering with the wrong port or zone succeeds and removes nothing.
      if (!current || current.port !== target.port || current.availabilityZone !== target.availabilityZone) continue;
      targets.delete(target.ip);
      if (live.has(target.ip)) {
        totals.liveDeregistrations++;
        if (!minute.dnsUp) totals.liveDeregistrationsInDnsOutage++;
      }
    }

    totals.invocations++;
    totals.dnsQueries += run.dnsQueries;
    totals.ec2Calls += run.ec2Calls;
    totals.describeCalls++;
    totals.registerCalls += run.register.length > 0 ? 1 : 0;
    totals.deregisterCalls += run.deregisterCalls;
    totals.s3Reads += run.s3Reads;
    totals.s3Writes += run.s3Writes;
    for (const ip of targets.keys()) if (!live.has(ip)) totals.staleTargetMinutes++;
    for (const ip of live) if (!targets.has(ip)) totals.unservedNodeMinutes++;
  }
  return { ...totals, registrationDelays, registrationDelaySeconds, neverRegistered: awaitingRegistration.size };
}

/** Pools one contender's days into the figures RESULTS.md reports. */
export function summarizeDays(contender: string, seeds: readonly number[], days: readonly DayTotals[]): DayFigures {
  const sum = (pick: (day: DayTotals) => number): number => days.reduce((total, day) => total + pick(day), 0);
  const invocations = sum((d) => d.invocations);
  const perInvocation = (pick: (day: DayTotals) => number): number => sum(pick) / invocations;
  const delays = days.flatMap((d) => d.registrationDelays);
  const seconds = days.flatMap((d) => d.registrationDelaySeconds);
  const runs = invocations + sum((d) => d.eventInvocations);
  /** Per run, event-triggered runs included. */
  const perRun = (pick: (day: DayTotals) => number): number => sum(pick) / runs;
  return {
    contender,
    days: days.length,
    invocations,
    registrationDelayMinutes: { p50: percentile(delays, 50), p99: percentile(delays, 99), max: percentile(delays, 100) },
    registrationDelaySeconds: {
      p50: Math.round(percentile(seconds, 50)),
      p99: Math.round(percentile(seconds, 99)),
      max: Math.round(percentile(seconds, 100)),
    },
    eventInvocationsPerDay: sum((d) => d.eventInvocations) / days.length,
    apiCallsPerRun: perRun(
      (d) => d.dnsQueries + d.ec2Calls + d.describeCalls + d.registerCalls + d.deregisterCalls + d.s3Reads + d.s3Writes,
    ),
    neverRegistered: sum((d) => d.neverRegistered),
    staleTargetMinutesPerDay: sum((d) => d.staleTargetMinutes) / days.length,
    unservedNodeMinutesPerDay: sum((d) => d.unservedNodeMinutes) / days.length,
    liveDeregistrations: sum((d) => d.liveDeregistrations),
    liveDeregistrationsInDnsOutage: sum((d) => d.liveDeregistrationsInDnsOutage),
    perInvocation: {
      dnsQueries: perInvocation((d) => d.dnsQueries),
      ec2Calls: perRun((d) => d.ec2Calls),
      describeCalls: perInvocation((d) => d.describeCalls),
      registerCalls: perInvocation((d) => d.registerCalls),
      deregisterCalls: perInvocation((d) => d.deregisterCalls),
      elbApiCalls: perInvocation((d) => d.describeCalls + d.registerCalls + d.deregisterCalls),
      s3Reads: perInvocation((d) => d.s3Reads),
      s3Writes: perInvocation((d) => d.s3Writes),
    },
    perDay: days.map((d, i) => ({ seed: seeds[i], liveDeregistrations: d.liveDeregistrations, staleTargetMinutes: d.staleTargetMinutes })),
  };
}
