// The connection to a node, and how chain values are shown. Every view reads the chain
// through the `ApiPromise` made here; nothing is cached beyond one render.
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { ApiDecoration } from '@polkadot/api/types';

/** The chain as of one block: every view reads one consistent state. */
export interface At {
  api: ApiPromise;
  /** Storage and constants at `hash`. */
  state: ApiDecoration<'promise'>;
  hash: string;
  number: number;
}

export const DEFAULT_NODE = 'ws://127.0.0.1:9944';
/** Planck per AIP (12 decimals, as the chain's properties say). */
export const AIP = 10n ** 12n;
/** How long a node may take to answer before the dashboard says it cannot reach it. */
const CONNECT_TIMEOUT_MS = 8000;
/** How often a lost node is retried. */
const RECONNECT_MS = 2500;

/** Why `url` cannot be a node address, or `null` if it can. */
export function badNodeUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL: use ws://host:port or wss://host`;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    return `"${url}" is not a WebSocket URL: use ws:// or wss://`;
  }
  return null;
}

/** Connects to `url`; rejects with a message a person can act on. Once connected, a node that
 * goes away is retried every `RECONNECT_MS` (the page says so meanwhile). */
export async function connect(url: string): Promise<ApiPromise> {
  const bad = badNodeUrl(url);
  if (bad) throw new Error(bad);
  const provider = new WsProvider(url, RECONNECT_MS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from ${url} within ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    );
    provider.on('error', () =>
      reject(new Error(`cannot reach a node at ${url} (is it running, and is the port open?)`)),
    );
  });
  try {
    return await Promise.race([ApiPromise.create({ provider, noInitWarn: true }), failed]);
  } catch (e) {
    await provider.disconnect().catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** `planck` as AIP with up to 4 decimals, e.g. `1,234.5 AIP`. */
export function aip(planck: bigint | string | number): string {
  const v = BigInt(planck.toString());
  const whole = v / AIP;
  const frac = ((v % AIP) * 10_000n) / AIP;
  const fracText = frac === 0n ? '' : '.' + frac.toString().padStart(4, '0').replace(/0+$/, '');
  return `${whole.toLocaleString('en-US')}${fracText} AIP`;
}

/** What a price is quoted per: `credits / 10^12 wu` for the chain's `Escrow.PriceUnit`. */
export function priceUnit(at: At): string {
  const unit = at.state.consts.escrow.priceUnit.toString();
  const power = /^10*$/.test(unit) ? unit.length - 1 : -1;
  return power === 0 ? 'credits / wu' : power > 0 ? `credits / 10^${power} wu` : `credits / ${int(unit)} wu`;
}

/** An integer with thousands separators. */
export function int(v: bigint | string | number): string {
  return BigInt(v.toString()).toLocaleString('en-US');
}

/** An account shortened for tables: first 6 and last 4 characters. */
export function short(account: string): string {
  return account.length > 12 ? `${account.slice(0, 6)}…${account.slice(-4)}` : account;
}

/** Escapes text for HTML. */
export function esc(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** The name of an enum value as polkadot.js gives it in JSON (`{ "finished": {...} }` → finished). */
export function variant(json: unknown): string {
  if (json && typeof json === 'object') return Object.keys(json as object)[0] ?? '';
  return String(json);
}

/** A headline figure: label `k`, shown value `v`, tagged with `raw` for tests. */
export function card(k: string, test: string, v: string, raw: unknown = v): string {
  return `<div class="card"><div class="k">${k}</div><div class="v" data-test="${test}" data-raw="${esc(raw)}">${esc(v)}</div></div>`;
}

/** A `<td>` showing `text`, tagged with the raw chain value so tests can compare it. */
export function numCell(test: string, text: string, raw: unknown = text): string {
  return `<td class="num" data-test="${esc(test)}" data-raw="${esc(raw)}">${esc(text)}</td>`;
}
