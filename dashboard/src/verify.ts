// Verifying a result in the browser: download a provider's output and recompute its result
// root, which must equal the root the chain settled. The root is the one defined in
// `primitives/src/result.rs` (AiPIN's result tree):
// - the output is cut into 4,096-byte chunks; leaf = BLAKE2b-256(0x00 ‖ chunk);
// - nodes are paired left to right, BLAKE2b-256(0x01 ‖ left ‖ right); a last unpaired node moves
//   up unchanged; the tree root is the one node left (32 zero bytes for an empty output);
// - result root = BLAKE2b-256(0x02 ‖ length as u64 little-endian ‖ tree root).
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { esc } from './chain';

const CHUNK = 4096;

function hash(...parts: Uint8Array[]): Uint8Array {
  return blake2AsU8a(u8aConcat(...parts), 256);
}

/** The result root of `output`, as `0x…` hex. */
export function resultRoot(output: Uint8Array): string {
  let level: Uint8Array[] = [];
  for (let i = 0; i < output.length; i += CHUNK) {
    level.push(hash(Uint8Array.of(0x00), output.subarray(i, i + CHUNK)));
  }
  while (level.length > 1) {
    const up: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      up.push(i + 1 < level.length ? hash(Uint8Array.of(0x01), level[i], level[i + 1]) : level[i]);
    }
    level = up;
  }
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(output.length), true);
  const root = hash(Uint8Array.of(0x02), length, level[0] ?? new Uint8Array(32));
  return u8aToHex(root);
}

/** What each verification found, by result URL: kept across the renders of every block. */
const found = new Map<string, string>();

/** The verification cell for the result at `url`, which the chain settled with `root`. */
export function verifyCell(url: string, root: string, file: string): string {
  return `<td data-test="verify" data-url="${esc(url)}">${found.get(url) ?? button(url, root, file, 'download and verify')}</td>`;
}

function button(url: string, root: string, file: string, label: string): string {
  return `<button data-verify="${esc(url)}" data-root="${esc(root)}" data-file="${esc(file)}">${esc(label)}</button>`;
}

/** What a download found, and a retry button if it found nothing to verify (a provider withholds
 * a result until it has seen the settlement finalized, a block or two after the page shows it). */
async function verify(url: string, root: string, file: string): Promise<string> {
  const html = await check(url, root, file);
  return html.includes('data-ok="false"') ? `${html} ${button(url, root, file, 'retry')}` : html;
}

async function check(url: string, root: string, file: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    return `<span class="bad" data-test="verify-status" data-ok="false">cannot reach ${esc(url)}: ${esc((e as Error).message)}</span>`;
  }
  if (!response.ok) {
    const why = (await response.text()).slice(0, 200);
    return `<span class="bad" data-test="verify-status" data-ok="false">the provider answered ${response.status}: ${esc(why)}</span>`;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const computed = resultRoot(bytes);
  if (computed !== root) {
    return `<span class="bad" data-test="verify-status" data-ok="false">does NOT match: ${bytes.length.toLocaleString('en-US')} bytes with root ${esc(computed)}, the chain settled ${esc(root)}</span>`;
  }
  const link = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  return `<span class="ok" data-test="verify-status" data-ok="true" data-root="${esc(computed)}">verified: ${bytes.length.toLocaleString('en-US')} bytes match the on-chain root</span> <a href="${link}" download="${esc(file)}">save</a>`;
}

document.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-verify]');
  if (!button) return;
  const { verify: url = '', root = '', file = 'result.bin' } = button.dataset;
  button.disabled = true;
  button.textContent = 'downloading …';
  void verify(url, root, file).then((html) => {
    found.set(url, html);
    // The view may have been rendered again meanwhile: update whichever cell shows this URL.
    for (const cell of document.querySelectorAll<HTMLElement>('td[data-test="verify"]')) {
      if (cell.dataset.url === url) cell.innerHTML = html;
    }
  });
});
