// The integration's client: finds a token instance's replicas through any
// anchor, runs its queries and actions on them, follows its changes, and
// verifies every receipt and attestation itself.
import { SigningKey, getAddress, randomBytes, hexlify } from "ethers";
import { rawMember, utf8 } from "./json.js";
import { addressOfPeer } from "./peer.js";
import { ReceiptError, checkAnswer, type Receipt } from "./receipt.js";
import { addressOfKey, macRequest, sessionKey, signRequest } from "./request.js";
import { readEvents } from "./sse.js";
import { AttestationError, decodeData, schemas, uidOf, verifyAttestation, verifyEntry, type Attestation, type Entry, type SignedAttestation } from "./attestation.js";
import type { Route, Replica, ActionOutcome, Problem, StateView, HistoryView } from "./types.js";

export const headers = {
  grant: "X-Smartlayer-Grant",
  signature: "X-Smartlayer-Signature",
  receipt: "X-Smartlayer-Receipt",
  node: "X-Smartlayer-Node",
  fencing: "X-Smartlayer-Fencing",
  idempotency: "Idempotency-Key",
  payment: "X-Smartlayer-Payment",
} as const;

/** pricedCall names a query or action path's price ("<instance>/query/status"), or undefined for other paths. */
function pricedCall(path: string): string | undefined {
  const m = /^\/v1\/tokens\/([^/]+)\/(query|actions)\/([^/]+)$/.exec(path);
  return m ? `${m[1].toLowerCase()}/${m[2]}/${m[3]}` : undefined;
}

/** ProblemError is a node's RFC 9457 answer to a call. */
export class ProblemError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly problem: Problem;
  readonly retryAfter?: number;
  constructor(status: number, problem: Problem, retryAfter?: number) {
    super(`${status} ${problem.type}: ${problem.detail ?? problem.title ?? ""}`);
    this.name = "ProblemError";
    this.status = status;
    const type = problem.type ?? "about:blank";
    this.type = type;
    this.code = type.startsWith("urn:smartlayer:problem:") ? type.slice("urn:smartlayer:problem:".length) : type;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

export interface ClientOptions {
  /** Anchor base URLs (http://127.0.0.1:8080); routes are asked of them in turn. */
  anchors: string[];
  /**
   * The integration's key (a browser session key, or a website's server
   * key): it signs every call to a token, and the grants sent must name it.
   * A token owner's own key signs their calls with no grant.
   */
  key?: SigningKey | string;
  /** Grants by instance ID: the owner's grant attestation (its JSON, or the object). */
  grants?: Record<string, string | SignedAttestation>;
  /** Check every answer's receipt (default true). */
  verifyReceipts?: boolean;
  /** The network's EAS domain: attestations signed for another chain or contract are refused. */
  network?: { chainId: number | bigint; contract: string };
  /** How long a route is reused, in ms (default 30,000). */
  routeTTL?: number;
  /** Per-request timeout in ms (default 10,000). */
  timeout?: number;
  /** Use per-node sessions (an HMAC instead of a signature after the first call; default true). */
  sessions?: boolean;
  /** Share (0..1) of verified receipts sent on to an anchor for sampling (default 0). */
  forwardShare?: number;
  /** fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
  /**
   * pay makes the payment promise (X-Smartlayer-Payment) for a priced call
   * (docs/payments.md): a website's server signs it from its channel, or
   * the page itself holds the channel's key. The client learns each call's
   * price from the first 402 and then pays before it is asked.
   */
  pay?: (due: PaymentDue, url: string) => Promise<string>;
}

/** PayError wraps a failure of the pay callback: the call was not sent again, and no node is blamed. */
export class PayError extends Error {
  constructor(readonly cause: unknown) {
    super(`paying for the call failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "PayError";
  }
}

/** What a priced call costs and how to pay it (a 402's payment member). */
export interface PaymentDue {
  price: string;
  header: string;
  contract: string;
  chainId: number;
  channel?: unknown;
}

/** A verified answer. */
export interface Answer<T> {
  result: T;
  /** The answer's bytes as received: a query's receipt binds them all; an action's binds its `result` member. */
  bytes: Uint8Array;
  /** The receipt, checked (undefined when verifyReceipts is off). */
  receipt?: Receipt;
  /** The peer ID of the node that answered. */
  node: string;
}

/** An action's verified answer. */
export interface ActionAnswer<T> extends Answer<T> {
  outcome: ActionOutcome;
}

/** One verified entry of a stream. */
export interface StreamEvent {
  offset: number;
  node: string;
  entry: Entry;
  attestation: Attestation;
}

/** A live subscription. */
export interface Subscription {
  close(): void;
  /** Resolves when closed. */
  done: Promise<void>;
}

interface Cached {
  route: Route;
  exp: number;
}

/** The most routes and prices a client keeps (past it, it starts afresh). */
export const maxCached = 10_000;

/** Answers over this size are refused. */
export const maxAnswerBytes = 8 << 20;

const isUp = (r: Replica) => r.state === "up" && !!r.http;

export class Client {
  readonly anchors: string[];
  readonly verifyReceipts: boolean;
  readonly grants: Map<string, string>;
  private key?: SigningKey;
  private routes = new Map<string, Cached>();
  private sessions = new Map<string, Uint8Array>();
  private latency = new Map<string, number>(); // EWMA answer time by peer
  private cooldown = new Map<string, number>(); // peer -> ms it is left alone until
  private next = 0;
  // clockOffsetMs: the anchors' clock less this device's (learnClock).
  private clockOffsetMs = 0;
  private prices = new Map<string, string>(); // "query/status" -> price learned from a 402
  private opts: ClientOptions;
  private f: typeof fetch;

  constructor(opts: ClientOptions) {
    if (!opts.anchors?.length) throw new Error("smartlayer client: no anchors");
    this.opts = opts;
    this.anchors = opts.anchors.map((a) => a.replace(/\/+$/, ""));
    this.verifyReceipts = opts.verifyReceipts ?? true;
    this.key = typeof opts.key === "string" ? new SigningKey(opts.key) : opts.key;
    this.grants = new Map(Object.entries(opts.grants ?? {}).map(([k, v]) => [k.toLowerCase(), typeof v === "string" ? v : JSON.stringify(v)]));
    this.f = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The address that signs this client's calls (undefined without a key). */
  get address(): string | undefined {
    return this.key ? addressOfKey(this.key) : undefined;
  }

  /** setGrant keeps the grant to send with calls on an instance. */
  setGrant(instance: string, grant: string | SignedAttestation): void {
    this.grants.set(instance.toLowerCase(), typeof grant === "string" ? grant : JSON.stringify(grant));
  }

  /** route asks the anchors, in turn, where an instance lives. */
  async route(instance: string, signal?: AbortSignal): Promise<Route> {
    let last: unknown;
    const start = this.next++;
    for (let i = 0; i < this.anchors.length; i++) {
      const base = this.anchors[(start + i) % this.anchors.length];
      try {
        const res = await this.send("GET", `${base}/v1/tokens/${instance}/route`, { signal });
        this.learnClock(res.headers);
        const route = JSON.parse(new TextDecoder().decode(res.bytes)) as Route;
        if (this.routes.size >= maxCached) this.routes.clear();
        this.routes.set(instance.toLowerCase(), { route, exp: Date.now() + (this.opts.routeTTL ?? 30_000) });
        return route;
      } catch (e) {
        if (e instanceof ProblemError && (e.status === 404 || e.status === 400)) throw e;
        last = e;
      }
    }
    throw last;
  }

  /**
   * learnClock takes the time an anchor's answer was sent (its Date header)
   * as the clock a receipt's time is judged by: a device whose own clock is
   * off by minutes still takes fresh receipts. Only anchors' answers: the
   * node whose receipt is judged could date its own answer to suit it.
   */
  private learnClock(h: Headers) {
    const at = Date.parse(h.get("date") ?? "");
    if (Number.isFinite(at)) this.clockOffsetMs = at - Date.now();
  }

  /** forget drops a cached route. */
  forget(instance: string): void {
    this.routes.delete(instance.toLowerCase());
  }

  private async cachedRoute(instance: string, signal?: AbortSignal): Promise<Route> {
    const c = this.routes.get(instance.toLowerCase());
    if (c && Date.now() < c.exp) return c.route;
    return this.route(instance, signal);
  }

  /** Replicas that are up and not resting after a 503, fastest measured first (unmeasured ones get a turn first). */
  private order(reps: Replica[]): Replica[] {
    const now = Date.now();
    const ok = reps.filter(isUp);
    const rested = ok.filter((r) => (this.cooldown.get(r.peer) ?? 0) <= now);
    const pool = rested.length ? rested : ok;
    return pool
      .map((r, i) => ({ r, i, t: this.latency.get(r.peer) ?? 0 }))
      .sort((a, b) => a.t - b.t || a.i - b.i)
      .map((x) => x.r);
  }

  private measure(peer: string, ms: number) {
    const old = this.latency.get(peer);
    this.latency.set(peer, old === undefined ? ms : old * 0.8 + ms * 0.2);
  }

  /**
   * query runs a token query on one of the instance's replicas (the fastest
   * healthy one), follows 421s through an anchor, moves to another replica
   * when one fails or is under pressure, and checks the answer's receipt:
   * signed by a replica of the route, for this call and these bytes.
   */
  async query<T = unknown>(instance: string, name: string, args?: unknown, opts: { grant?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Answer<T>> {
    const body = utf8(args === undefined ? "{}" : JSON.stringify(args));
    const path = `/v1/tokens/${instance}/query/${encodeURIComponent(name)}`;
    const { bytes, rc, node } = await this.onReplica(instance, "POST", path, body, "", `query:${name}`, opts, (r) => r.replicas.filter(isUp));
    return { result: JSON.parse(new TextDecoder().decode(bytes)) as T, bytes, receipt: rc, node };
  }

  /**
   * action runs a token action once per idempotency key on the instance's
   * executor (a fresh key unless given; the same key after a failover gets
   * the first answer), and checks its receipt.
   */
  async action<T = unknown>(instance: string, name: string, args: unknown, opts: { key?: string; grant?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<ActionAnswer<T>> {
    const key = opts.key ?? hexlify(randomBytes(16)).slice(2);
    const body = utf8(JSON.stringify(args ?? {}));
    const path = `/v1/tokens/${instance}/actions/${encodeURIComponent(name)}`;
    const { bytes, rc, node } = await this.onReplica(instance, "POST", path, body, key, `action:${name}`, opts, (r) =>
      r.replicas.filter((x) => x.peer === r.executor && isUp(x)),
    );
    const outcome = JSON.parse(new TextDecoder().decode(bytes)) as ActionOutcome;
    // The result is read from the very bytes the receipt covers (rawMember
    // refuses an answer that names a member twice).
    const raw = rawMember(bytes, "result");
    const result = (raw ? JSON.parse(new TextDecoder().decode(raw)) : null) as T;
    outcome.result = result;
    return { result, outcome, bytes, receipt: rc, node };
  }

  /** state reads an instance's state (a grant with read:state, or the owner's key). */
  async state(instance: string, opts: { grant?: string; signal?: AbortSignal } = {}): Promise<StateView> {
    const { bytes } = await this.onReplica(instance, "GET", `/v1/tokens/${instance}/state`, undefined, "", "", opts, (r) => r.replicas.filter(isUp));
    return JSON.parse(new TextDecoder().decode(bytes)) as StateView;
  }

  /** history reads an instance's last applied attestations (read:history). */
  async history(instance: string, opts: { grant?: string; signal?: AbortSignal } = {}): Promise<HistoryView> {
    const { bytes } = await this.onReplica(instance, "GET", `/v1/tokens/${instance}/history`, undefined, "", "", opts, (r) => r.replicas.filter(isUp));
    return JSON.parse(new TextDecoder().decode(bytes)) as HistoryView;
  }

  /** revoke posts the owner's signed revocation to a replica of the instance; every replica refuses the grant within seconds. */
  async revoke(instance: string, revocation: SignedAttestation): Promise<{ revoked: string }> {
    const route = await this.cachedRoute(instance);
    let last: unknown;
    for (const r of this.order(route.replicas)) {
      try {
        const res = await this.send("POST", `${r.http}/v1/revocations`, { body: utf8(JSON.stringify(revocation)) });
        return JSON.parse(new TextDecoder().decode(res.bytes));
      } catch (e) {
        if (e instanceof ProblemError && e.status < 500) throw e;
        last = e;
      }
    }
    throw last ?? new Error(`instance ${instance} has no replica up`);
  }

  private async onReplica(
    instance: string,
    method: string,
    path: string,
    body: Uint8Array | undefined,
    key: string,
    fn: string,
    opts: { grant?: string; headers?: Record<string, string>; signal?: AbortSignal },
    candidates: (r: Route) => Replica[],
  ): Promise<{ bytes: Uint8Array; rc?: Receipt; node: string }> {
    let last: unknown;
    const tried = new Set<string>();
    let rerouted = false;
    // Actions wait out a failover as the Go client does (eight tries, 250 ms
    // more each time); queries try four times.
    const tries = fn.startsWith("action:") ? 8 : 4;
    for (let attempt = 0; attempt < tries; attempt++) {
      if (attempt > 0 && !rerouted) await sleep(Math.min(250 * attempt, 2000), opts.signal);
      rerouted = false;
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("aborted");
      const route = await this.cachedRoute(instance, opts.signal);
      const reps = this.order(candidates(route));
      if (reps.length === 0) {
        this.forget(instance);
        last = new Error(`instance ${instance} has no ${fn.startsWith("action:") ? "executor" : "replica"} up`);
        continue;
      }
      const rep = reps.find((r) => !tried.has(r.peer)) ?? reps[0];
      const rest = (this.cooldown.get(rep.peer) ?? 0) - Date.now();
      if (rest > 0) await sleep(Math.min(rest, 5000), opts.signal); // every candidate rests: wait for the first
      tried.add(rep.peer);
      let target = rep.http as string;
      let to: string | undefined = rep.peer;
      if (route.mode === "full" && route.via?.length) {
        target = route.via[this.next++ % route.via.length]; // full fallback: through an anchor, always signed
        to = undefined;
      }
      const hdr: Record<string, string> = { ...(opts.headers ?? {}) };
      const g = opts.grant ?? this.grants.get(instance.toLowerCase());
      if (g) hdr[headers.grant] = g;
      if (key) hdr[headers.idempotency] = key;
      const t0 = performance.now();
      let res: { bytes: Uint8Array; headers: Headers; status: number };
      try {
        res = await this.send(method, target + path, { body, headers: hdr, to, signal: opts.signal });
      } catch (e) {
        last = e;
        if (opts.signal?.aborted || e instanceof PayError) throw e;
        if (e instanceof ProblemError) {
          if (e.status === 421) {
            // The refusing node's route is not trusted: ask an anchor.
            this.forget(instance);
            rerouted = true;
            continue;
          }
          if (e.status === 503 || e.status === 429) {
            this.cooldown.set(rep.peer, Date.now() + 1000 * Math.min(e.retryAfter ?? 1, 30));
            continue;
          }
          if (e.status < 500 && e.status !== 404) throw e;
        } else {
          this.measure(rep.peer, 10_000); // did not answer: to the back
        }
        this.forget(instance);
        continue;
      }
      this.measure(rep.peer, performance.now() - t0);
      if (!this.verifyReceipts || !fn) return { bytes: res.bytes, node: res.headers.get(headers.node) ?? "" };
      const node = res.headers.get(headers.node) ?? "";
      if (!route.replicas.some((r) => r.peer === node)) {
        // In full fallback mode an anchor forwards to the replicas it knows
        // now: after a move the answering node may be newer than this
        // route. Ask an anchor for the route once more before refusing.
        const fresh = await this.route(instance, opts.signal).catch(() => route);
        if (!fresh.replicas.some((r) => r.peer === node)) throw new ReceiptError(`answered by ${JSON.stringify(node)}, not a replica of the route`);
      }
      let output = res.bytes;
      if (fn.startsWith("action:")) {
        try {
          output = rawMember(res.bytes, "result") ?? new Uint8Array(0);
        } catch (e) {
          throw new ReceiptError(`malformed answer: ${e instanceof Error ? e.message : e}`);
        }
      }
      const rc = checkAnswer(res.headers.get(headers.receipt), addressOfPeer(node), fn, instance, key, body ?? new Uint8Array(0), output, Date.now() + this.clockOffsetMs);
      this.maybeForward(rc);
      return { bytes: res.bytes, rc, node };
    }
    throw last;
  }

  private async payFor(due: PaymentDue, url: string): Promise<string> {
    try {
      return await (this.opts.pay as NonNullable<ClientOptions["pay"]>)(due, url);
    } catch (e) {
      throw new PayError(e);
    }
  }

  private maybeForward(rc: Receipt) {
    const share = this.opts.forwardShare ?? 0;
    if (share <= 0 || Math.random() >= share) return;
    const base = this.anchors[this.next++ % this.anchors.length];
    this.send("POST", `${base}/v1/receipts`, { body: utf8(JSON.stringify(rc)) }).catch(() => {
      /* best effort: sampling takes a share anyway */
    });
  }

  /**
   * send makes one HTTP call: signs it when it goes to a token (a MAC
   * within a session with node `to`), and turns an error answer into a
   * ProblemError.
   */
  private async send(
    method: string,
    url: string,
    o: { body?: Uint8Array; headers?: Record<string, string>; to?: string; signal?: AbortSignal; payTries?: number },
    retried = false,
  ): Promise<{ bytes: Uint8Array; headers: Headers; status: number }> {
    const u = new URL(url);
    const h: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.body) h["Content-Type"] = "application/json";
    const tokenCall = u.pathname.startsWith("/v1/tokens/") && !u.pathname.endsWith("/route");
    const signed = !!this.key && (tokenCall || u.pathname.startsWith("/v1/topics/"));
    if (signed) h[headers.signature] = this.proof(method, u, o.body, h[headers.idempotency] ?? "", o.to);
    const priced = tokenCall ? pricedCall(u.pathname) : undefined;
    const known = priced && this.prices.get(priced);
    if (known && this.opts.pay && !h[headers.payment]) h[headers.payment] = await this.payFor({ price: known, header: headers.payment, contract: "", chainId: 0 }, url);
    const timeout = AbortSignal.timeout(this.opts.timeout ?? 10_000);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    const res = await this.f(url, { method, headers: h, body: o.body as BodyInit | undefined, signal });
    const bytes = await readBounded(res);
    if (res.status === 402 && priced && this.opts.pay && (o.payTries ?? 0) < 2) {
      // A priced call: pay what the node asks (a price learned, a promise
      // that fell short), once or twice.
      const due = (problemOf(res, bytes).problem as { payment?: PaymentDue }).payment;
      if (due && /^[0-9]{1,30}$/.test(due.price)) {
        if (this.prices.size >= maxCached) this.prices.clear();
        this.prices.set(priced, due.price);
        const hdr = { ...(o.headers ?? {}), [headers.payment]: await this.payFor(due, url) };
        return this.send(method, url, { ...o, headers: hdr, payTries: (o.payTries ?? 0) + 1 }, retried);
      }
    }
    if (res.ok) {
      if (signed && o.to && this.opts.sessions !== false && !this.sessions.has(o.to) && this.key) {
        try {
          this.sessions.set(o.to, sessionKey(this.key, o.to));
        } catch {
          /* a peer ID without a secp256k1 key: keep signing */
        }
      }
      return { bytes, headers: res.headers, status: res.status };
    }
    const err = problemOf(res, bytes);
    if (!retried && err.code === "session-unknown" && o.to) {
      this.sessions.delete(o.to); // the node forgot the session: sign once more, with the same promise
      const paid: Record<string, string> = h[headers.payment] ? { [headers.payment]: h[headers.payment] } : {};
      return this.send(method, url, { ...o, headers: { ...(o.headers ?? {}), ...paid } }, true);
    }
    throw err;
  }

  /**
   * follow streams a topic's entries, each one's publisher signature and
   * attestation (and, when given, its signer and schema) verified before
   * onEvent sees it. A valid signature says who signed, not that they may
   * speak for the topic: anyone may publish on a public topic, so pass the
   * signers you trust (an airline's address) in `signers`. An instance's own
   * topics (its action results and failures) are streamed by its replicas
   * under the grant (read:history); others by the anchors. On a broken
   * stream it reconnects and resumes: at the same node from the last offset,
   * at another without repeating an entry it delivered (by publisher and
   * sequence). `from` is an offset of the first node asked. A refusal (a
   * grant revoked or expired, an unknown topic) ends the subscription, with
   * the error passed to onError.
   */
  follow(
    topic: string,
    onEvent: (e: StreamEvent) => void,
    opts: {
      instance?: string;
      onError?: (e: unknown) => void;
      from?: number;
      signers?: string[];
      schema?: string;
      idleMs?: number;
      /** accept throws to refuse a verified entry (a check of its own: who may sign what). */
      accept?: (a: Attestation, e: Entry) => void;
    } = {},
  ): Subscription {
    const ctl = new AbortController();
    const seen = new Map<string, number>(); // publisher -> highest seq delivered
    const lastId = new Map<string, number>(); // node base URL -> last offset
    const signers = opts.signers ? new Set(opts.signers.map((a) => getAddress(a))) : undefined;
    const idleMs = opts.idleMs ?? 45_000; // nodes send a keepalive every 15 s
    const run = async () => {
      let backoff = 250;
      let turn = 0;
      while (!ctl.signal.aborted) {
        let base: string;
        let to: string | undefined;
        try {
          if (opts.instance) {
            const reps = this.order((await this.cachedRoute(opts.instance, ctl.signal)).replicas);
            if (!reps.length) throw new Error(`instance ${opts.instance} has no replica up`);
            const r = reps[turn % reps.length];
            base = r.http as string;
            to = r.peer;
          } else {
            base = this.anchors[turn % this.anchors.length];
          }
        } catch (e) {
          if (e instanceof ProblemError && e.status >= 400 && e.status < 500) {
            opts.onError?.(e);
            return;
          }
          opts.onError?.(e);
          await sleep(backoff, ctl.signal);
          backoff = Math.min(backoff * 2, 5000);
          continue;
        }
        const hdr: Record<string, string> = { Accept: "text/event-stream" };
        const last = lastId.get(base);
        let path = `/v1/topics/${encodeURIComponent(topic)}/stream`;
        if (last !== undefined) hdr["Last-Event-ID"] = String(last);
        else if (opts.from !== undefined && turn === 0) path += `?from=${opts.from}`;
        if (opts.instance) {
          const g = this.grants.get(opts.instance.toLowerCase());
          if (g) hdr[headers.grant] = g;
        }
        // One controller per connection: a broken or idle one is cancelled,
        // so no connection (nor the node's stream slot) is left open.
        const conn = new AbortController();
        const stop = () => conn.abort();
        ctl.signal.addEventListener("abort", stop, { once: true });
        let idle: ReturnType<typeof setTimeout> | undefined;
        const alive = () => {
          clearTimeout(idle);
          idle = setTimeout(() => conn.abort(new Error(`no data from ${base} for ${idleMs} ms`)), idleMs);
        };
        let delivered = false;
        try {
          alive();
          const res = await this.stream(base + path, hdr, to, conn.signal);
          await readEvents(res, (ev) => {
            if (ev.event !== "attestation") return;
            const offset = Number(ev.id);
            try {
              const raw = utf8(ev.data);
              const rawAtt = rawMember(raw, "attestation");
              if (!rawAtt) throw new Error("an entry with no attestation");
              const entry = verifyEntry(raw, rawAtt);
              if (entry.topic !== topic) throw new Error(`an entry of topic ${entry.topic} on ${topic}'s stream`);
              const pub = getAddress(entry.publisher);
              if (Number.isSafeInteger(offset)) lastId.set(base, offset);
              if ((seen.get(pub) ?? 0) >= entry.seq) return; // delivered already (from another node)
              const attestation = verifyAttestation(rawAtt, {
                ...(this.opts.network ? { chainId: this.opts.network.chainId, contract: this.opts.network.contract } : {}),
                ...(opts.schema ? { schema: opts.schema } : {}),
              });
              if (signers && !signers.has(attestation.signer)) throw new AttestationError(`an attestation by ${attestation.signer}, not one of the signers followed`);
              entry.attestation = JSON.parse(new TextDecoder().decode(rawAtt)); // the verified bytes
              if (opts.accept) opts.accept(attestation, entry);
              seen.set(pub, entry.seq);
              delivered = true;
              onEvent({ offset, node: base, entry, attestation });
            } catch (e) {
              opts.onError?.(e);
            }
          }, alive);
        } catch (e) {
          if (ctl.signal.aborted) break;
          opts.onError?.(e);
          if (e instanceof ProblemError) {
            if (e.status === 421 && opts.instance) this.forget(opts.instance); // the replicas moved
            else if (e.status >= 400 && e.status < 500 && e.status !== 429) return; // refused: following cannot go on
          }
          turn++;
        } finally {
          clearTimeout(idle);
          ctl.signal.removeEventListener("abort", stop);
          conn.abort();
        }
        if (delivered) backoff = 250;
        await sleep(backoff, ctl.signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    };
    const done = run().catch((e) => opts.onError?.(e));
    return { close: () => ctl.abort(), done };
  }

  /**
   * followToken follows what changes on one instance: its action results
   * and failure attestations, streamed by its replicas under the grant
   * (read:history), each verified: for this instance, an action result
   * signed by a replica of the instance's route (its executor when it ran;
   * the route is asked again once when a signer is not in it), a failure
   * signed by an anchor of the network (GET /v1/network). Anything else on
   * those topics goes to onError.
   */
  followToken(instance: string, onEvent: (e: StreamEvent) => void, opts: { onError?: (e: unknown) => void; from?: number } = {}): Subscription {
    const id = instance.toLowerCase();
    const replicas = new Set<string>();
    const anchors = new Set<string>();
    let refreshing: Promise<void> | undefined;
    const refresh = () =>
      (refreshing ??= (async () => {
        try {
          const rt = await this.route(instance);
          for (const r of rt.replicas) replicas.add(addressOfPeer(r.peer));
          const res = await this.send("GET", `${this.anchors[this.next++ % this.anchors.length]}/v1/network`, {});
          const net = JSON.parse(new TextDecoder().decode(res.bytes)) as { anchors?: Array<{ address?: string }> };
          for (const a of net.anchors ?? []) if (a.address) anchors.add(getAddress(a.address));
        } finally {
          refreshing = undefined;
        }
      })());
    // The signers are learned before the streams start and again (in the
    // background) when one is not known: an entry by an unknown signer is
    // refused meanwhile, and comes again only if the stream is resumed.
    const check = (kind: "actionResult" | "failure") => (a: Attestation) => {
      const d = decodeData(schemas[kind].text, a.message.data);
      if (String(d.instance).toLowerCase() !== id) throw new AttestationError(`an attestation for ${d.instance} on ${id}'s topic`);
      const known = kind === "actionResult" ? replicas : anchors;
      if (!known.has(a.signer)) {
        refresh().catch(() => {});
        throw new AttestationError(`${kind === "actionResult" ? "an action result" : "a failure attestation"} signed by ${a.signer}, not ${kind === "actionResult" ? "a replica of the instance" : "an anchor"}`);
      }
    };
    const ctl = new AbortController();
    let subs: Subscription[] = [];
    const ready = refresh()
      .catch((e) => opts.onError?.(e))
      .then(() => {
        if (ctl.signal.aborted) return;
        subs = [
          this.follow(`${uidOf("actionResult")}/${id}`, onEvent, { ...opts, instance, schema: uidOf("actionResult"), accept: check("actionResult") }),
          this.follow(`${uidOf("failure")}/${id}`, onEvent, { ...opts, instance, schema: uidOf("failure"), accept: check("failure") }),
        ];
      });
    return {
      close: () => {
        ctl.abort();
        subs.forEach((s) => s.close());
      },
      done: ready.then(() => Promise.all(subs.map((s) => s.done))).then(() => {}),
    };
  }

  /**
   * proof is a request's X-Smartlayer-Signature by the client's key: a
   * MAC within the session with node `to` when there is one, else a
   * signature.
   */
  private proof(method: string, u: URL, body: Uint8Array | undefined, key: string, to: string | undefined): string {
    const k = this.key as SigningKey;
    const parts = { method, path: u.pathname + u.search, body: body ?? new Uint8Array(0), key };
    const s = to && this.opts.sessions !== false ? this.sessions.get(to) : undefined;
    return s ? macRequest(s, addressOfKey(k), parts) : signRequest(k, parts);
  }

  private async stream(url: string, hdr: Record<string, string>, to: string | undefined, signal: AbortSignal, retried = false): Promise<ReadableStream<Uint8Array>> {
    const u = new URL(url);
    const h = { ...hdr };
    if (this.key) h[headers.signature] = this.proof("GET", u, undefined, "", to);
    const res = await this.f(url, { headers: h, signal });
    if (!res.ok || !res.body) {
      const err = problemOf(res, await readBounded(res));
      if (!retried && err.code === "session-unknown" && to) {
        this.sessions.delete(to);
        return this.stream(url, hdr, to, signal, true);
      }
      throw err;
    }
    return res.body;
  }
}

async function readBounded(res: Response): Promise<Uint8Array> {
  const len = Number(res.headers.get("Content-Length") ?? "0");
  if (len > maxAnswerBytes) {
    await res.body?.cancel();
    throw new Error(`an answer of ${len} bytes, over the ${maxAnswerBytes}-byte limit`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > maxAnswerBytes) {
      await reader.cancel();
      throw new Error(`an answer over the ${maxAnswerBytes}-byte limit`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function problemOf(res: Response, bytes: Uint8Array): ProblemError {
  let p: Problem;
  try {
    p = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof p?.type !== "string") throw new Error();
  } catch {
    p = { type: "about:blank", title: res.statusText, status: res.status, detail: new TextDecoder().decode(bytes.subarray(0, 1024)) };
  }
  const ra = Number(res.headers.get("Retry-After"));
  return new ProblemError(res.status, p, Number.isFinite(ra) && ra > 0 ? ra : undefined);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
