// Keys for pages: the ephemeral session key a page makes for itself, and a
// stand-in wallet for local networks.
import { BaseWallet, SigningKey, TypedDataEncoder, getAddress, randomBytes } from "ethers";
import type { EIP1193Provider } from "./attestation.js";

/** newSessionKey makes a page's ephemeral key: it never leaves the page, and a grant names its address. */
export function newSessionKey(): SigningKey {
  return new SigningKey(randomBytes(32));
}

/**
 * devnetWallet is an EIP-1193 provider over test keys (address -> private
 * key), for a local devnet whose passengers' keys are public test keys:
 * what a browser without a wallet uses in the demo. It signs what it is
 * asked to without asking anyone: never give it a key that holds anything.
 */
export function devnetWallet(keys: Record<string, string>, chainId: number | bigint, pick?: () => string): EIP1193Provider & { selected(): string } {
  const wallets = new Map(Object.values(keys).map((k) => {
    const w = new BaseWallet(new SigningKey(k.startsWith("0x") ? k : "0x" + k));
    return [w.address, w] as const;
  }));
  const selected = () => getAddress(pick ? pick() : [...wallets.keys()][0]);
  return {
    selected,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [selected()];
        case "eth_chainId":
          return "0x" + BigInt(chainId).toString(16);
        case "eth_signTypedData_v4": {
          const [who, json] = params as [string, string];
          const w = wallets.get(getAddress(who));
          if (!w) throw Object.assign(new Error(`no key for ${who}`), { code: 4100 });
          const { domain, types, message } = JSON.parse(json);
          delete types.EIP712Domain;
          // Re-encode to check the payload is well formed before signing.
          TypedDataEncoder.hash(domain, types, message);
          return w.signTypedData(domain, types, message);
        }
        default:
          throw Object.assign(new Error(`devnet wallet: ${method} is not supported`), { code: 4200 });
      }
    },
  };
}
