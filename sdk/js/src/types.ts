// The API's JSON types, from the OpenAPI document every node serves
// (api/openapi.json; src/openapi.ts is generated from it by `npm run types`,
// and devnet.TestJSSDK fails when it is not the current document's).
import type { components } from "./openapi.js";

type S = components["schemas"];
export type Problem = S["Problem"];
export type Route = S["Route"];
export type Replica = S["Replica"];
export type ActionOutcome = S["ActionOutcome"];
export type StateView = S["StateView"];
export type HistoryView = S["History"];
export type HistoryItem = S["HistoryItem"];
export type Health = S["Health"];
export type Network = S["Network"];
export type Consistency = S["Consistency"];
export type ChannelStatus = S["ChannelStatus"];
export type Activity = S["Activity"];
export type NetworkEvent = S["NetworkEvent"];
