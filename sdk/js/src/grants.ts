// The owner's side: the grants they signed, kept so they can be listed and
// revoked later (in the browser's localStorage when there is one).
import { readGrant, type Grant, type SignedAttestation, type VerifyOptions } from "./attestation.js";

/** Where a GrantBook keeps its grants: localStorage, or anything with the same two methods. */
export interface GrantStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

class MemoryStorage implements GrantStorage {
  private m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

/** A kept grant: its terms and the signed attestation. */
export interface KeptGrant extends Grant {
  attestation: SignedAttestation;
  revoked?: boolean;
}

/** The most grants a book keeps (the oldest go first). */
export const maxKeptGrants = 1000;

/** GrantBook lists the grants an owner signed, and marks the ones revoked. */
export class GrantBook {
  private store: GrantStorage;
  private key: string;
  private opts: VerifyOptions;

  constructor(opts: { storage?: GrantStorage; name?: string; network?: VerifyOptions } = {}) {
    const ls = (globalThis as { localStorage?: GrantStorage }).localStorage;
    this.store = opts.storage ?? ls ?? new MemoryStorage();
    this.key = `smartlayer.grants.${opts.name ?? "default"}`;
    this.opts = opts.network ?? {};
  }

  private load(): KeptGrant[] {
    try {
      const v = JSON.parse(this.store.getItem(this.key) ?? "[]");
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  }

  private save(gs: KeptGrant[]) {
    this.store.setItem(this.key, JSON.stringify(gs.slice(-maxKeptGrants)));
  }

  /** add keeps a grant (verified first) and returns its terms. */
  add(g: SignedAttestation): KeptGrant {
    const kept: KeptGrant = { ...readGrant(g, this.opts), attestation: g };
    this.save([...this.load().filter((x) => x.uid !== kept.uid), kept]);
    return kept;
  }

  /** list returns the grants kept, optionally of one instance, those still in force first. */
  list(opts: { instance?: string; now?: Date } = {}): KeptGrant[] {
    const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
    const live = (g: KeptGrant) => !g.revoked && g.notAfter > now;
    return this.load()
      .filter((g) => !opts.instance || g.instance.toLowerCase() === opts.instance.toLowerCase())
      .sort((a, b) => Number(live(b)) - Number(live(a)) || b.notAfter - a.notAfter);
  }

  /** markRevoked records that a grant was revoked (after Client.revoke). */
  markRevoked(uid: string): void {
    this.save(this.load().map((g) => (g.uid === uid.toLowerCase() ? { ...g, revoked: true } : g)));
  }
}
