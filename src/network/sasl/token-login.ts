/**
 * The producer's one OAUTHBEARER token, shared by all of its connections and refreshed before it
 * expires, as Java's ExpiringCredentialRefreshingLogin does for OAuthBearerRefreshingLogin.
 *
 * Owns: the current credential, the one login in flight (sessions that need a token while it
 * runs wait for it instead of starting their own), and the refresh timer. Does not own where
 * tokens come from (a TokenRetriever: the provider function, the token endpoint, a file, the
 * unsecured builder).
 *
 * Refresh time, Java's rule (sasl.login.refresh.*): with the token valid from `start` (its iat,
 * or when it arrived) to `exp`, refresh at start + (exp - start) * (window.factor + window.jitter
 * * random); but no later than buffer.seconds before exp, and no sooner than min.period.seconds
 * from now. A token too short-lived for both buffers is refreshed at that fraction of what is
 * left. A refresh that fails is logged and tried again 10 s later (Java's fixed relogin delay),
 * the old token serving meanwhile while it is valid. Once it has expired, the next session's
 * start() asks for a new one itself (and fails with the login's error if none comes), rather
 * than sending a token the broker will refuse; retries then follow the connection attempts.
 *
 * Time: the token's expiry is wall-clock time, so the schedule uses the clock's wall time
 * (Clock.wallClockMs, falling back to now()); timers come from the same Clock, so tests step it.
 * close() cancels the timer, aborts a token request in flight and rejects whoever waits for it.
 */
import type { Clock, TimerHandle } from '../../common/clock.js';
import { AuthenticationError, KafkaWireError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { OAuthBearerCredential, TokenSource } from './oauthbearer.js';
import { LoginClosedError } from './token-endpoint.js';

/** Where tokens come from. retrieve() rejects with AuthenticationError (or LoginClosedError once aborted). */
export interface TokenRetriever {
  describe(): string;
  retrieve(signal: AbortSignal): Promise<OAuthBearerCredential>;
}

/** sasl.login.refresh.* */
export interface RefreshSettings {
  readonly windowFactor: number;
  readonly windowJitter: number;
  readonly minPeriodSeconds: number;
  readonly bufferSeconds: number;
}

/** Java's defaults (SaslConfigs). */
export const DEFAULT_REFRESH: RefreshSettings = { windowFactor: 0.8, windowJitter: 0.05, minPeriodSeconds: 60, bufferSeconds: 300 };

/** Java's DELAY_SECONDS_BEFORE_NEXT_RETRY_WHEN_RELOGIN_FAILS. */
export const RELOGIN_RETRY_MS = 10_000;

export interface TokenLoginDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Uniform [0, 1) for the refresh jitter. */
  readonly random?: () => number;
}

/**
 * When to refresh `credential`, as Java's ExpiringCredentialRefreshingLogin.refreshMs computes
 * it, relative to the wall-clock time `now`.
 */
export function refreshTimeMs(credential: OAuthBearerCredential, now: number, refresh: RefreshSettings, random: number): number {
  const expire = credential.lifetimeMs;
  if (now > expire) return now + RELOGIN_RETRY_MS;
  const pct = refresh.windowFactor + refresh.windowJitter * random;
  const minPeriodMs = 1000 * refresh.minPeriodSeconds;
  const bufferMs = 1000 * refresh.bufferSeconds;
  if (now + minPeriodMs + bufferMs > expire) return now + Math.trunc((expire - now) * pct);
  const start = credential.startTimeMs ?? now;
  const proposed = start + Math.trunc((expire - start) * pct);
  if (proposed > expire - bufferMs) return expire - bufferMs;
  if (proposed < now + minPeriodMs) return now + minPeriodMs;
  return proposed;
}

const iso = (ms: number): string => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
};

export class TokenLogin implements TokenSource {
  readonly #retriever: TokenRetriever;
  readonly #refresh: RefreshSettings;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #closing = new AbortController();
  #credential: OAuthBearerCredential | undefined;
  #inflight: Promise<OAuthBearerCredential> | undefined;
  #rejectInflight: ((error: Error) => void) | undefined;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(retriever: TokenRetriever, refresh: RefreshSettings, deps: TokenLoginDeps) {
    this.#retriever = retriever;
    this.#refresh = refresh;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#random = deps.random ?? Math.random;
  }

  describe(): string {
    return this.#retriever.describe();
  }

  #wallNow(): number {
    return this.#clock.wallClockMs?.() ?? this.#clock.now();
  }

  /** A token valid now: the current one, or the one the login in flight (started if need be) brings. */
  current(): Promise<OAuthBearerCredential> {
    if (this.#closed) return Promise.reject(closedError());
    const credential = this.#credential;
    if (credential !== undefined && this.#wallNow() < credential.lifetimeMs) return Promise.resolve(credential);
    return this.#login();
  }

  #login(): Promise<OAuthBearerCredential> {
    if (this.#inflight !== undefined) return this.#inflight;
    const attempt = new Promise<OAuthBearerCredential>((resolve, reject) => {
      this.#rejectInflight = reject;
      this.#retriever.retrieve(this.#closing.signal).then((credential) => {
        const now = this.#wallNow();
        if (credential.lifetimeMs <= now) {
          reject(new AuthenticationError('SASL_AUTHENTICATION_FAILED', `OAUTHBEARER login failed for ${this.describe()}: the token expired at ${iso(credential.lifetimeMs)}, before it arrived (now ${iso(now)}; are the clocks in step?)`));
        } else resolve(credential);
      }, reject);
    });
    this.#inflight = attempt;
    attempt.then(
      (credential) => this.#loggedIn(credential),
      (error: unknown) => this.#failed(error),
    );
    return attempt;
  }

  #loggedIn(credential: OAuthBearerCredential): void {
    this.#inflight = undefined;
    this.#rejectInflight = undefined;
    if (this.#closed) return;
    this.#credential = credential;
    const now = this.#wallNow();
    let at = refreshTimeMs(credential, now, this.#refresh, this.#random());
    if (at < now) at = now + RELOGIN_RETRY_MS;
    this.#logger.info(`OAUTHBEARER token for principal ${credential.principal} (${this.describe()}) valid until ${iso(credential.lifetimeMs)}; refreshing at ${iso(at)}`);
    this.#schedule(at - now);
  }

  #failed(error: unknown): void {
    this.#inflight = undefined;
    this.#rejectInflight = undefined;
    if (this.#closed || error instanceof LoginClosedError) return;
    const message = error instanceof Error ? error.message : String(error);
    const held = this.#credential;
    if (held !== undefined && this.#wallNow() < held.lifetimeMs) {
      this.#logger.warn(`${message}; keeping the current token (valid until ${iso(held.lifetimeMs)}) and trying again in ${RELOGIN_RETRY_MS / 1000} s`);
      this.#schedule(RELOGIN_RETRY_MS);
    } else {
      this.#logger.warn(message);
    }
  }

  #schedule(delayMs: number): void {
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      if (!this.#closed) void this.#login().catch(() => {}); // #failed logs it
    }, delayMs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#closing.abort();
    this.#rejectInflight?.(closedError());
    this.#rejectInflight = undefined;
    this.#inflight = undefined;
    this.#credential = undefined;
  }
}

function closedError(): KafkaWireError {
  return new KafkaWireError('PRODUCER_CLOSED', 'the producer closed before an OAUTHBEARER token was obtained');
}
