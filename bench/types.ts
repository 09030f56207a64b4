/** Shapes of the benchmark's figures: what bench/results.json holds and RESULTS.md renders. Pure data. */

/** A figure the run could not measure here, with the reason, instead of a crash or a made-up number. */
export type Measured<T> = ({ readonly available: true } & T) | { readonly available: false; readonly reason: string };

/** os.loadavg(): the 1, 5 and 15 minute load averages, to read against MachineInfo.cores. */
export type LoadAverage = readonly [number, number, number];

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly loadAtStart: LoadAverage;
  readonly node: string;
  readonly platform: string;
  /** ISO time the run started. */
  readonly date: string;
}

export interface BenchOptions {
  readonly seed: number;
  /** Seeded trials per ALB size in the discovery model. */
  readonly trials: number;
  readonly albSizes: readonly number[];
  /** Simulated days, one seed each (seed, seed + 1, ...). */
  readonly days: number;
  /** Discoveries per contender and size over loopback UDP. */
  readonly loopbackRuns: number;
  /** Added delay of the loopback DNS server per answer. */
  readonly loopbackDelayMs: number;
  readonly coldImportRuns: number;
  readonly skipSynth: boolean;
  readonly skipTestSuite: boolean;
  /** Replace the summary between the markers of docs/benchmark.md. */
  readonly updateDocs: boolean;
}

/** The steps whose wall times depend on the machine and its load. */
export type TimedStep = 'loopback' | 'coldImport' | 'synth' | 'testSuite';

/** How long one step of the run took, and the machine's load when it ended. */
export interface StepRecord {
  readonly step: TimedStep | 'discoveryModel' | 'simulatedDays' | 'bundle';
  readonly wallMs: number;
  readonly loadAfter: LoadAverage;
}

/** One contender at one ALB size over the seeded trials of the DNS model. */
export interface DiscoveryTrialFigures {
  readonly contender: string;
  readonly albSize: number;
  readonly trials: number;
  readonly meanQueries: number;
  readonly p99Queries: number;
  readonly maxQueries: number;
  /** Share of trials that found every address. */
  readonly allFoundShare: number;
  readonly allFoundCi95: { readonly low: number; readonly high: number };
  /** Expected number of addresses a discovery misses. */
  readonly meanMissed: number;
}

/** One contender at one ALB size, discovering over real UDP on 127.0.0.1. */
export interface LoopbackFigures {
  readonly contender: string;
  readonly albSize: number;
  readonly runs: number;
  readonly medianWallMs: number;
  readonly p90WallMs: number;
  readonly meanQueries: number;
  readonly allFoundShare: number;
}

/** Raw sums of one contender over one simulated day. */
export interface DayTotals {
  /** Scheduled runs, one a minute. */
  readonly invocations: number;
  /** Runs an interface event triggered besides the schedule (event-triggered contenders only). */
  readonly eventInvocations: number;
  readonly dnsQueries: number;
  /** DescribeNetworkInterfaces calls, event-triggered runs included. */
  readonly ec2Calls: number;
  readonly describeCalls: number;
  readonly registerCalls: number;
  readonly deregisterCalls: number;
  readonly s3Reads: number;
  readonly s3Writes: number;
  /** Per minute, targets registered though their IP is no longer an ALB node. */
  readonly staleTargetMinutes: number;
  /** Per minute, ALB nodes with no target registered for them. */
  readonly unservedNodeMinutes: number;
  /** Deregistrations of IPs that were ALB nodes at the time (the failure that cuts live traffic). */
  readonly liveDeregistrations: number;
  /** Of those, the ones decided while DNS was failing. */
  readonly liveDeregistrationsInDnsOutage: number;
  /** Minutes from an IP first appearing to its first registration, one entry per registered IP. */
  readonly registrationDelays: readonly number[];
  /** The same in seconds, from the node's appearance within its minute to the run that registered it. */
  readonly registrationDelaySeconds: readonly number[];
  /** IPs that appeared but were never registered. */
  readonly neverRegistered: number;
}

/** One contender over all simulated days. */
export interface DayFigures {
  readonly contender: string;
  readonly days: number;
  readonly invocations: number;
  readonly registrationDelayMinutes: { readonly p50: number; readonly p99: number; readonly max: number };
  /** From a node's appearance to its registration (before the NLB's own registration time). */
  readonly registrationDelaySeconds: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Runs an interface event triggered, per day. */
  readonly eventInvocationsPerDay: number;
  /** Every call a run makes (DNS queries, EC2, ELBv2, S3), per run, event-triggered runs included. */
  readonly apiCallsPerRun: number;
  readonly neverRegistered: number;
  readonly staleTargetMinutesPerDay: number;
  readonly unservedNodeMinutesPerDay: number;
  /** Summed over all days. */
  readonly liveDeregistrations: number;
  readonly liveDeregistrationsInDnsOutage: number;
  readonly perInvocation: {
    readonly dnsQueries: number;
    /** Per run, event-triggered runs included. */
    readonly ec2Calls: number;
    readonly describeCalls: number;
    readonly registerCalls: number;
    readonly deregisterCalls: number;
    readonly elbApiCalls: number;
    readonly s3Reads: number;
    readonly s3Writes: number;
  };
  /** Live deregistrations and stale target-minutes of each day, in seed order. */
  readonly perDay: readonly { readonly seed: number; readonly liveDeregistrations: number; readonly staleTargetMinutes: number }[];
}

export interface TimedCommand {
  readonly command: string;
  readonly wallMs: number;
}

export interface ArtifactFigures {
  readonly bundle: Measured<{
    readonly file: string;
    readonly rawBytes: number;
    /** The folder zipped as the stack zips it (`zipBundle`: fixed entry time and mode, deflate level 9). */
    readonly zippedBytes: number;
  }>;
  readonly coldImport: Measured<{
    readonly runs: number;
    /** require() of the bundle inside a fresh node process. */
    readonly medianRequireMs: number;
    /** require() of the AWS SDK clients the bundle holds, unbundled from node_modules, inside a fresh node process. */
    readonly medianSdkRequireMs: number;
    /** The whole fresh process with the bundle: start, require, exit. */
    readonly medianProcessMs: number;
    /** A fresh node process that loads nothing: the yardstick the run's other wall times are divided by. */
    readonly medianNodeStartMs: number;
  }>;
  readonly synth: Measured<TimedCommand & { readonly stacks: readonly string[] }>;
  readonly testSuite: Measured<TimedCommand & { readonly passed: number; readonly failed: number; readonly failures: readonly string[] }>;
}

export interface GoalCheck {
  readonly goal: string;
  /** The measured figure(s) the verdict rests on, in words. */
  readonly measured: string;
  /** undefined when the figure could not be measured in this run. */
  readonly met: boolean | undefined;
}

export interface BenchResults {
  readonly machine: MachineInfo;
  readonly options: BenchOptions;
  readonly durationMs: number;
  readonly steps: readonly StepRecord[];
  readonly discovery: readonly DiscoveryTrialFigures[];
  readonly loopback: Measured<{ readonly delayMs: number; readonly figures: readonly LoopbackFigures[] }>;
  readonly day: readonly DayFigures[];
  readonly artifact: ArtifactFigures;
  readonly goals: readonly GoalCheck[];
}
