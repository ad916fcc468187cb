// Hardware-wallet signing: `CheckMetadataHash` in mode 1 (RFC 78), as a Ledger signs.
//
// An offline signer cannot hold a chain's whole metadata. It is given the call and a proof
// against the metadata's merkle root, decodes the call with it, and signs over that root.
// The runtime adds its own root (embedded at build time by runtime/build.rs) to what it
// checks the signature against, so a transaction signed for other metadata is refused. Here
// the root is computed by polkadot-api's merkleizer, independently of the Rust code that
// embedded it, from the metadata and the token properties the node serves, as a wallet would.
//
// Run by scripts/test-js.sh (which starts the node): AIPIN_WS=ws://... node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { merkleizeMetadata } from '@polkadot-api/merkleize-metadata';

const url = process.env.AIPIN_WS ?? 'ws://127.0.0.1:9944';
let api;
let bob;
let dave;
let merkleizer;
let metadataBytes;

before(async () => {
  await cryptoWaitReady();
  api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  bob = keyring.addFromUri('//Bob');
  dave = keyring.addFromUri('//Dave');
  metadataBytes = (await api.call.metadata.metadataAtVersion(15)).unwrap().toU8a(true);
  merkleizer = merkleizeMetadata(metadataBytes, {
    decimals: api.registry.chainDecimals[0],
    tokenSymbol: api.registry.chainTokens[0],
  });
});

after(async () => {
  await api?.disconnect();
});

// Signs `tx` in mode 1 with `hash` (bytes) and sends it; resolves with the events once it is
// in a block (a dev node seals and finalizes at once, so it reports only `Finalized`), rejects if the pool refuses it or the dispatch fails. (polkadot.js reads a
// `Uint8Array` given for an `Option` as its SCALE encoding, so the hash goes as hex.)
function sendWithHash(tx, signer, hash) {
  return new Promise((resolve, reject) => {
    let unsub;
    tx.signAndSend(signer, { mode: 1, metadataHash: u8aToHex(hash) }, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        unsub?.();
        reject(new Error(dispatchError.toString()));
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        unsub?.();
        reject(new Error(`transaction ${status.type}`));
      } else if (status.isInBlock || status.isFinalized) {
        unsub?.();
        resolve(events);
      }
    }).then((u) => { unsub = u; }, reject);
  });
}

test('the chain serves the token properties a metadata hash is built with', () => {
  assert.equal(api.registry.chainTokens[0], 'AIP');
  assert.equal(api.registry.chainDecimals[0], 12);
});

test('a transfer signed in mode 1 over the metadata hash is accepted', { timeout: 60_000 }, async () => {
  const amount = 1_000_000_000_000n;
  const before = (await api.query.system.account(dave.address)).data.free.toBigInt();
  const tx = api.tx.balances.transferKeepAlive(dave.address, amount);
  const events = await sendWithHash(tx, bob, merkleizer.digest());
  assert.ok(events.some(({ event }) => api.events.system.ExtrinsicSuccess.is(event)), 'ExtrinsicSuccess');
  const after = (await api.query.system.account(dave.address)).data.free.toBigInt();
  assert.equal(after - before, amount);

  // What a hardware wallet is given to decode the call: a proof far smaller than the metadata.
  const proof = merkleizer.getProofForExtrinsic(tx.toHex());
  assert.ok(proof.length > 0 && proof.length * 10 < metadataBytes.length,
    `proof of ${proof.length} bytes for ${metadataBytes.length} bytes of metadata`);
});

test('a signature over any other metadata hash is refused', { timeout: 60_000 }, async () => {
  const wrong = merkleizer.digest().slice();
  wrong[0] ^= 1;
  await assert.rejects(
    sendWithHash(api.tx.balances.transferKeepAlive(dave.address, 1_000_000_000_000n), bob, wrong),
    /bad signature/i,
  );
  // Other token properties give another hash too: a wallet that shows the wrong unit cannot
  // sign a transaction this chain accepts.
  const otherUnit = merkleizeMetadata(metadataBytes, { decimals: 10, tokenSymbol: 'AIP' }).digest();
  await assert.rejects(
    sendWithHash(api.tx.balances.transferKeepAlive(dave.address, 1_000_000_000_000n), bob, otherUnit),
    /bad signature/i,
  );
});
