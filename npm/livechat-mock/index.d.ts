/// <reference types="node" />
import type { ChildProcess } from 'node:child_process';

/** Outcome ids of visitors.info (see the README's table). */
export type OutcomeId =
  | 'ok'
  | 'invalid-params'
  | 'visitor-not-found'
  | 'not-logged-in'
  | 'forbidden'
  | 'forbidden-generic'
  | 'rate-limited'
  | 'server-error'
  | 'reset'
  | 'hang'
  | 'malformed';

/** Spec page example names, accepted wherever an outcome id is. */
export type ExampleName =
  | 'Success Example'
  | 'Example 1'
  | 'Example 2'
  | 'Authorization Error'
  | 'Permission Error'
  | 'Unauthorized';

export type Outcome = OutcomeId | ExampleName | (string & {});

export interface StartOptions {
  /** `--api-version X.Y.Z`: answer as that Rocket.Chat release did (default of the binary: 8.6.0). */
  apiVersion?: string;
  /** More command-line flags, passed as given (they win over the options below). */
  args?: string[];
  /** Added to `process.env` for the child (e.g. `LIVECHAT_MOCK_AUTH: 'any'`). */
  env?: Record<string, string | undefined>;
  /** How long to wait for the `listening on` line; default 10000. */
  timeoutMs?: number;
  /** `--port`; default 0 (a free port, read from the `listening on` line). */
  port?: number;
  /** `--host`; the binary's default is 127.0.0.1. */
  host?: string;
  /** `--fixtures DIR`. */
  fixtures?: string;
  /** `--admin-token T`; the helpers then send `Authorization: Bearer T`. */
  adminToken?: string;
  /** A binary to run instead of the platform package's (also: `LIVECHAT_MOCK_BINARY`). */
  binary?: string;
  /** Copy the mock's stderr (its log) and later stdout to this process's. Default false. */
  printLogs?: boolean;
}

export interface OverrideScope {
  visitorId?: string;
  userId?: string;
}

export interface SetOutcomeOptions {
  /** How many matching requests get it (at least 1); absent: all until `clearOutcome()`. */
  times?: number;
  /** Only requests for this visitor and/or from this user. */
  match?: OverrideScope;
  /**
   * How long each answer this override chooses waits: milliseconds, or `[min, max]` drawn from
   * the mock's seed. Sent as `delay_ms`.
   */
  delayMs?: number | [number, number];
}

export interface OutcomeStep {
  outcome: Outcome;
  times?: number;
  match?: OverrideScope;
}

export interface RequestFilter {
  path?: string;
  status?: number;
  outcome?: string;
  /** Entries after this `seq` (the `next` of a page). */
  after?: number;
  limit?: number;
}

export interface JournalEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: string | null;
  /** [name, value] pairs, lower-case names; secrets cut to their last 4 characters. */
  headers: [string, string][];
  outcome: string;
  rule: string;
  /** null for the `reset` and `hang` outcomes. */
  status: number | null;
  gate: 'passed' | 'blocked' | 'bypassed' | 'none';
  delay_ms: number | null;
  micros: number;
  truncated: boolean;
}

export interface Expectation {
  name?: string;
  method?: string;
  path?: string;
  visitorId?: string;
  headers?: Record<string, string>;
  outcome?: OutcomeId;
  /** Exactly this many; or give atLeast and/or atMost (default: at least once). */
  times?: number;
  atLeast?: number;
  atMost?: number;
}

export interface VerifyReport {
  verified: boolean;
  expectations: { expectation: string; received: number; met: boolean }[];
  received_recently: unknown[];
}

export interface Health {
  status: 'ok';
  visitors: number;
  journal: number;
}

export interface Mock extends AsyncDisposable {
  /** `http://HOST:PORT`, no trailing slash. */
  readonly url: string;
  readonly process: ChildProcess;
  /** Settles when the child exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 256 KiB of the mock's stderr. */
  logs(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`, default 15000). */
  stop(options?: { timeoutMs?: number }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  health(): Promise<Health>;
  /** `PUT /_mock/outcome`; an array sets a sequence of steps. Resolves with the override as shown. */
  setOutcome(outcome: Outcome, options?: SetOutcomeOptions): Promise<unknown>;
  setOutcome(steps: OutcomeStep[]): Promise<unknown>;
  /** `GET /_mock/outcome`. */
  outcome(): Promise<unknown>;
  /** `DELETE /_mock/outcome`. */
  clearOutcome(): Promise<void>;
  /** `GET /_mock/requests`, oldest first. */
  requests(filter?: RequestFilter): Promise<JournalEntry[]>;
  /** `DELETE /_mock/requests` (all, or what the filter matches). */
  clearRequests(filter?: Omit<RequestFilter, 'limit'>): Promise<void>;
  /** `POST /_mock/expectations`; resolves with its index. */
  expect(expectation: Expectation): Promise<number>;
  /** `GET /_mock/expectations`. */
  expectations(): Promise<VerifyReport>;
  /** `DELETE /_mock/expectations`. */
  clearExpectations(): Promise<void>;
  /** `GET /_mock/verify`: resolves with the report on 200, throws a VerifyError on 409. */
  verify(): Promise<VerifyReport>;
  /** `POST /_mock/reset`: the loaded fixtures, no override, fresh rate windows (the journal and expectations stay). */
  reset(): Promise<void>;
  visitors(): Promise<string[]>;
  putVisitor(id: string, document: Record<string, unknown>): Promise<Record<string, unknown>>;
  deleteVisitor(id: string): Promise<void>;
  coverage(): Promise<unknown>;
}

export function start(options?: StartOptions): Promise<Mock>;

/** The path of the binary `start()` and the `livechat-mock` command run. */
export function binaryPath(): string;
/** e.g. 'linux-x64-gnu'. */
export function platformKey(): string;
export const PLATFORMS: Readonly<Record<string, string>>;

export class BinaryNotFoundError extends Error {}
export class StartError extends Error {
  /** The tail of the child's stderr. */
  stderr: string;
}
export class MockControlError extends Error {
  status: number;
  body: unknown;
}
export class VerifyError extends Error {
  report: VerifyReport;
}

declare const _default: {
  start: typeof start;
  binaryPath: typeof binaryPath;
  platformKey: typeof platformKey;
  PLATFORMS: typeof PLATFORMS;
  BinaryNotFoundError: typeof BinaryNotFoundError;
  StartError: typeof StartError;
  MockControlError: typeof MockControlError;
  VerifyError: typeof VerifyError;
};
export default _default;
