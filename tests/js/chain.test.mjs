// A real external client: @polkadot/api from npm, unmodified, against an AiPIN dev node.
// It decodes the metadata, buys credits and submits a task signed by //Alice, reads the task
// back from storage, and decodes the events and a module error, as wallets and explorers do.
//
// Run by scripts/test-js.sh (which starts the node): AIPIN_WS=ws://... node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const url = process.env.AIPIN_WS ?? 'ws://127.0.0.1:9944';
const AIP = 10n ** 12n;
let api;
let alice;

before(async () => {
  await cryptoWaitReady();
  api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
  alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
});

after(async () => {
  await api?.disconnect();
});

// Signs and sends `tx`; resolves with the events once finalized, rejects with the decoded
// module error if the dispatch failed.
function send(tx, signer) {
  return new Promise((resolve, reject) => {
    let unsub;
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        unsub?.();
        if (dispatchError.isModule) {
          const e = api.registry.findMetaError(dispatchError.asModule);
          reject(Object.assign(new Error(`${e.section}.${e.name}`), { section: e.section, name: e.name }));
        } else {
          reject(new Error(dispatchError.toString()));
        }
        return;
      }
      if (status.isFinalized) {
        unsub?.();
        resolve({ events, blockHash: status.asFinalized });
      }
    }).then((u) => { unsub = u; }, reject);
  });
}

test('the metadata describes the compute pallets', () => {
  for (const [pallet, call] of [
    ['escrow', 'submitTask'], ['escrow', 'commitResult'], ['escrow', 'revealResult'],
    ['bme', 'buyCredits'], ['bme', 'claimRewards'], ['staking', 'registerProvider'],
  ]) {
    assert.equal(typeof api.tx[pallet][call], 'function', `${pallet}.${call}`);
  }
  assert.equal(api.consts.escrow.maxReplication.toNumber(), 5);
  assert.equal(api.runtimeVersion.specName.toString(), 'aipin');
  assert.ok(api.events.escrow.TaskFinished, 'TaskFinished event type');
});

test('genesis providers and kernels are readable from storage', async () => {
  const providers = await api.query.staking.providers.entries();
  assert.equal(providers.length, 2);
  for (const [, info] of providers) {
    assert.ok(info.unwrap().endpoint.toUtf8().startsWith('http://127.0.0.1:'));
  }
  const gemm = (await api.query.escrow.kernels(1)).unwrap();
  assert.equal(gemm.spec.name.toUtf8(), 'gemm-i8');
});

test('Alice buys credits and submits a task; it reads back and its events decode', async () => {
  const bought = await send(api.tx.bme.buyCredits(10n * AIP, 0), alice);
  const purchase = bought.events.find(({ event }) => api.events.bme.CreditsPurchased.is(event));
  assert.ok(purchase, 'CreditsPurchased');
  assert.equal(purchase.event.data.who.toString(), alice.address);
  assert.equal(purchase.event.data.credits.toBigInt(), 500_000n);

  const header = await api.rpc.chain.getHeader();
  const deadline = header.number.toNumber() + 300;
  const seed = '0x' + '11'.repeat(32);
  const { events } = await send(
    api.tx.escrow.submitTask(1, [16, 16, 16], { Seeded: { seed } }, 1, 10, deadline),
    alice,
  );
  const submitted = events.find(({ event }) => api.events.escrow.TaskSubmitted.is(event));
  assert.ok(submitted, 'TaskSubmitted');
  const id = submitted.event.data.task.toBigInt();
  assert.equal(submitted.event.data.consumer.toString(), alice.address);
  // 2·16³ operations round up to one work unit. A price is credits per `PriceUnit` work units
  // (both constants in metadata), so one replica of one unit at 10 costs ⌈10 × 1 / 10¹²⌉ = 1
  // credit; the escrow adds the deposit (refunded unless the consumer is at fault).
  const deposit = api.consts.escrow.submissionDeposit.toBigInt();
  assert.equal(deposit, 1000n);
  assert.equal(api.consts.escrow.priceUnit.toBigInt(), 1_000_000_000_000n);
  assert.equal(submitted.event.data.workUnits.toBigInt(), 1n);
  assert.equal(submitted.event.data.escrow.toBigInt(), 1n + deposit);

  const task = (await api.query.escrow.tasks(id)).unwrap();
  assert.equal(task.consumer.toString(), alice.address);
  assert.equal(task.kernel.toNumber(), 1);
  assert.deepEqual(task.params.map((p) => p.toNumber()), [16, 16, 16]);
  assert.equal(task.replication.toNumber(), 1);
  assert.equal(task.deadline.toNumber(), deadline);
  assert.ok(['Queued', 'Commit'].includes(task.phase.type), task.phase.type);
  const input = (await api.query.escrow.taskInputs(id)).unwrap();
  assert.equal(input.asSeeded.seed.toHex(), seed);
});

test('a bad submission fails with a decoded module error', async () => {
  const header = await api.rpc.chain.getHeader();
  await assert.rejects(
    send(api.tx.escrow.submitTask(999, [1], { Seeded: { seed: '0x' + '00'.repeat(32) } }, 1, 10,
      header.number.toNumber() + 300), alice),
    { section: 'escrow', name: 'UnknownKernel' },
  );
});
