// JSON bytes as the network hashes them.
//
// Nodes hash a call's arguments and an answer in one form, whatever spacing
// either side used: JSON as Go's encoding/json writes a raw message, compact
// and with <, >, & and U+2028/U+2029 escaped inside strings. Text that is not
// JSON is hashed as it is. The functions here work on bytes, so an answer is
// hashed exactly as it arrived.

const enc = new TextEncoder();
// ignoreBOM: a BOM is kept, so text that starts with one is not JSON here, as for Go.
const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

function isJSON(b: Uint8Array): boolean {
  try {
    JSON.parse(dec.decode(b));
    return true;
  } catch {
    return false;
  }
}

const hexDigits = "0123456789abcdef";

/** canonicalJSON returns b compact and HTML-escaped, or b itself when it is not JSON. */
export function canonicalJSON(b: Uint8Array): Uint8Array {
  if (b.length === 0 || !isJSON(b)) return b;
  const out: number[] = [];
  const esc = (cp: number) => {
    out.push(0x5c, 0x75); // \u
    for (let sh = 12; sh >= 0; sh -= 4) out.push(hexDigits.charCodeAt((cp >> sh) & 0xf));
  };
  let inStr = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (!inStr) {
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
      if (c === 0x22) inStr = true;
      out.push(c);
      continue;
    }
    if (c === 0x5c) {
      out.push(c, b[++i]);
      continue;
    }
    if (c === 0x22) {
      inStr = false;
      out.push(c);
    } else if (c === 0x3c || c === 0x3e || c === 0x26) {
      esc(c);
    } else if (c === 0xe2 && b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9)) {
      esc(b[i + 2] === 0xa8 ? 0x2028 : 0x2029);
      i += 2;
    } else {
      out.push(c);
    }
  }
  return Uint8Array.from(out);
}

/**
 * rawMember returns the bytes of a top-level member's value in a JSON object,
 * exactly as they appear (undefined when absent): what a signature or a hash
 * covers, which JSON.parse and JSON.stringify would not give back. An object
 * that names a member twice throws: JSON.parse would keep one copy and a
 * hash might cover the other.
 */
export function rawMember(b: Uint8Array, name: string): Uint8Array | undefined {
  let i = 0;
  const ws = () => {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  };
  const skipString = () => {
    i++; // opening quote
    while (i < b.length && b[i] !== 0x22) i += b[i] === 0x5c ? 2 : 1;
    i++;
  };
  const skipValue = () => {
    ws();
    const c = b[i];
    if (c === 0x22) return skipString();
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      while (i < b.length) {
        const d = b[i];
        if (d === 0x22) {
          skipString();
          continue;
        }
        if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      return;
    }
    while (i < b.length && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d) i++;
    while (i > 0 && (b[i - 1] === 0x20 || b[i - 1] === 0x09 || b[i - 1] === 0x0a || b[i - 1] === 0x0d)) i--;
  };
  ws();
  if (b[i] !== 0x7b) return undefined;
  i++;
  const keys = new Set<string>();
  let found: Uint8Array | undefined;
  for (;;) {
    ws();
    if (i >= b.length || b[i] === 0x7d) return found;
    const ks = i;
    skipString();
    let key: string;
    try {
      key = JSON.parse(dec.decode(b.subarray(ks, i)));
    } catch {
      return undefined;
    }
    if (keys.has(key)) throw new Error(`JSON object names ${JSON.stringify(key)} twice`);
    keys.add(key);
    ws();
    if (b[i] !== 0x3a) return undefined;
    i++;
    ws();
    const vs = i;
    skipValue();
    if (key === name) found = b.subarray(vs, i);
    ws();
    if (b[i] === 0x2c) i++;
  }
}
