// The API's JSON types (api/openapi.json).
import type { components } from "./openapi.js";

type S = components["schemas"];
export type Problem = S["Problem"];
export type Replica = { peer: string; http?: string; state: string };
export type Route = { instance: string; record: unknown; executor: string; replicas: Replica[]; mode?: string; via?: string[] };
export type ActionOutcome = { instance: string; action: string; idempotencyKey: string; result: unknown; patch: unknown; attestation: string; fencing: number; executor: string; receipt?: unknown; doneMs: number };
export type StateView = { instance: string; state: unknown; stateRoot: string; offsets: Record<string, number>; fencing: number; executor: string; node: string; owner: string; pending: unknown[] };
export type HistoryView = { instance: string; history: unknown[] };
