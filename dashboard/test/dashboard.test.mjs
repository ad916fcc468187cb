// The dashboard in a real headless Chromium (Debian's, driven by puppeteer-core) against a live
// dev chain whose providers' workers are running tasks. Every value checked is compared with
// the chain read independently here (@polkadot/api) at the very block the page shows.
//
// Run by scripts/test-dashboard.sh, which starts the chain, the workers and a web server:
//   AIPIN_WS=ws://… DASHBOARD_URL=http://… CHROMIUM=/usr/bin/chromium node --test test/
// SCREENSHOTS=dir keeps a screenshot of every view there (docs/dashboard has the committed ones).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, xxhashAsHex } from '@polkadot/util-crypto';
import puppeteer from 'puppeteer-core';

const ws = process.env.AIPIN_WS ?? 'ws://127.0.0.1:9944';
const site = process.env.DASHBOARD_URL ?? 'http://127.0.0.1:8080/';
const shots = process.env.SCREENSHOTS;
const AIP = 10n ** 12n;
/** Blocks per BME epoch on the test chain (a storage parameter; 600 by default), so that the
 * charts have closed epochs to show within the test. */
const EPOCH_LENGTH = 8;
let api;
let alice;
let browser;
let page;

before(async () => {
  await cryptoWaitReady();
  api = await ApiPromise.create({ provider: new WsProvider(ws), noInitWarn: true });
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // The CI runs as root in a container: Chromium's sandbox needs user namespaces it lacks.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--window-size=1400,1000'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice');
  // Root (sudo on the dev chain) shortens the epoch, as governance may.
  const key = xxhashAsHex(':EpochLength:', 128);
  // The SCALE bytes, as hex: `toHex()` of a u32 gives its big-endian value, and a Uint8Array
  // passed as `Bytes` is read as already length-prefixed.
  const value = u8aToHex(api.createType('u32', EPOCH_LENGTH).toU8a());
  await send(api.tx.sudo.sudo(api.tx.system.setStorage([[key, value]])), alice);
});

after(async () => {
  await browser?.close();
  await api?.disconnect();
});

/** Opens `hash` on the dashboard connected to `node`; resolves once that view has rendered. */
async function open(hash, node = ws) {
  await page.goto(`${site}?node=${encodeURIComponent(node)}${hash}`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction((h) => document.body.dataset.renderedView === h, { timeout: 60_000 }, hash);
}

const states = new Map();
/** The chain's state at block `hash`. */
async function stateAt(hash) {
  if (!states.has(hash)) states.set(hash, await api.at(hash));
  return states.get(hash);
}

/**
 * What the page shows for `name`: the `data-raw` value (or text) of every `[data-test=name]`
 * (inside `scope`, if given), and the chain at the block the page read them from — taken in one
 * step, so a render for a newer block in between cannot mix two blocks.
 */
async function shown(name, scope = '') {
  const { hash, values } = await page.$$eval(`${scope} [data-test="${name}"]`, (els) => ({
    hash: document.body.dataset.renderedHash,
    values: els.map((e) => e.dataset.raw ?? e.textContent),
  }));
  return { values, hash, state: await stateAt(hash) };
}

async function screenshot(name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Signs `tx` as `signer` and resolves with its events once it is in a block (or final). */
function send(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) reject(new Error(dispatchError.toString()));
      // A manually sealed dev block is final at once: no InBlock status comes first.
      else if (status.isInBlock || status.isFinalized) resolve(events);
    }).catch(reject);
  });
}

test('the network view shows the block it read, finality, and the validators', async () => {
  await open('#/network');
  const { values: [head], hash } = await shown('head');
  assert.equal(Number(head), (await api.rpc.chain.getHeader(hash)).number.toNumber());
  const { values: [finalized] } = await shown('finalized');
  assert.ok(Number(finalized) >= 0 && Number(finalized) <= Number(head) + 5, `finalized ${finalized}`);
  const validators = await shown('validator');
  assert.deepEqual(validators.values, (await validators.state.query.aura.authorities()).toJSON());
  const submitted = await shown('tasks-submitted');
  assert.equal(submitted.values[0], (await submitted.state.query.escrow.nextTaskId()).toString());
  const escrowed = await shown('escrowed');
  assert.equal(escrowed.values[0], (await escrowed.state.query.escrow.totalEscrowed()).toString());
  assert.match((await shown('block-time')).values[0], /^\d+\.\d\d s$/);
  await screenshot('network');
});

/** Pending slashes on `stash` at `state`. */
async function pendingSlashesOf(state, stash) {
  return (await state.query.slashing.slashes.entries()).filter(([, s]) => {
    const r = s.unwrap();
    return r.status.isPending && r.offence.provider.toString() === stash;
  }).length;
}

test('the providers view equals the staking, slashing and BME state', async () => {
  await open('#/providers');
  const stashes = (await api.query.staking.providers.keys()).map((k) => k.args[0].toString());
  assert.ok(stashes.length >= 2, 'the dev chain has two providers');
  for (const stash of stashes) {
    const row = `tr[data-stash="${stash}"]`;
    const check = async (name, expected) => {
      const { values, state } = await shown(name, row);
      const p = (await state.query.staking.providers(stash)).unwrap();
      assert.deepEqual(values, [await expected(state, p)], `${stash}: ${name}`);
    };
    await check('stake', (_, p) => p.active.toString());
    await check('ask', (_, p) => p.profile.askPrice.toString());
    await check('status', (_, p) => p.status.type);
    await check('work-this-epoch', async (state) => {
      const work = (await state.query.bme.work(await state.query.bme.currentEpoch(), stash)).toJSON();
      return String(BigInt(work?.credits ?? 0));
    });
    await check('pending-rewards', async (state) => (await state.query.bme.pendingRewards(stash)).toString());
    await check('pending-slashes', async (state) => String(await pendingSlashesOf(state, stash)));
  }
  await screenshot('providers');
  await open(`#/providers/${stashes[0]}`);
  assert.equal(await page.$eval('[data-test="stash"]', (e) => e.textContent), stashes[0]);
  const { values, state } = await shown('stake');
  assert.deepEqual(values, [(await state.query.staking.providers(stashes[0])).unwrap().active.toString()]);
  await screenshot('provider');
});

test('a task submitted now shows up by itself, and its page updates when it settles', async () => {
  await send(api.tx.bme.buyCredits(10n * AIP, 0), alice);
  await open('#/tasks');
  const header = await api.rpc.chain.getHeader();
  const seed = '0x' + '42'.repeat(32);
  const events = await send(
    api.tx.escrow.submitTask(1, [64, 64, 64], { Seeded: { seed } }, 2, 10, header.number.toNumber() + 60),
    alice,
  );
  const submitted = events.find(({ event }) => api.events.escrow.TaskSubmitted.is(event));
  const id = submitted.event.data.task.toString();
  // No reload: the list is re-read at every new block.
  await page.waitForSelector(`tr[data-task="${id}"]`, { timeout: 30_000 });
  await open(`#/tasks/${id}`);
  await page.waitForFunction(
    () => document.querySelector('[data-test="phase"]')?.dataset.phase === 'finished',
    { timeout: 120_000 },
  );
  const { values: [root], state } = await shown('root');
  const task = (await state.query.escrow.tasks(id)).unwrap();
  assert.equal(task.phase.type, 'Finished');
  assert.equal(task.phase.asFinished.reason.type, 'Completed', 'both workers agreed');
  assert.equal(root, task.resultRoot.unwrap().toHex());
  assert.deepEqual((await shown('slot-state')).values, ['revealed', 'revealed']);
  const links = await page.$$eval('[data-test="result-link"]', (as) => as.map((a) => a.href));
  assert.equal(links.length, 2);
  for (const link of links) assert.match(link, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/results/${id}$`));
  // Downloaded into the page from each provider and verified there against the chain's root.
  // A provider serves it once it has seen the settlement finalized: retry until then.
  assert.equal((await page.$$('button[data-verify]')).length, 2);
  for (let tries = 0; ; tries++) {
    for (const b of await page.$$('button[data-verify]')) await b.click();
    await page.waitForFunction(
      () => document.querySelectorAll('[data-test="verify-status"]').length === 2,
      { timeout: 30_000 },
    );
    const ok = await page.$$eval('[data-test="verify-status"]', (els) => els.every((e) => e.dataset.ok === 'true'));
    if (ok) break;
    assert.ok(tries < 20, 'the results were not served within 20 tries');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const verdicts = await page.$$eval('[data-test="verify-status"]', (els) =>
    els.map((e) => ({ ok: e.dataset.ok, root: e.dataset.root, text: e.textContent })));
  for (const v of verdicts) {
    assert.equal(v.ok, 'true', v.text);
    assert.equal(v.root, task.resultRoot.unwrap().toHex());
  }
  await screenshot('task');
  await open('#/tasks');
  const phase = await page.$eval(`tr[data-task="${id}"] [data-test="phase"]`, (e) => e.textContent);
  assert.match(phase, /^finished: Completed at #\d+/);
  await screenshot('tasks');
});

test('the BME view equals the supply, the running totals and every closed epoch', async () => {
  // Closed epochs, one of them with the task above in it (epochs are EPOCH_LENGTH blocks).
  for (let waited = 0; ; waited++) {
    const records = (await api.query.bme.epochs.entries()).map(([, r]) => r.unwrap());
    if (records.length >= 2 && records.some((r) => r.totalWork.toBigInt() > 0n)) break;
    assert.ok(waited < 120, 'no epoch with verified work closed within 2 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  await open('#/bme');
  const same = async (name, read) => {
    const { values, state } = await shown(name);
    assert.deepEqual(values, [await read(state)], name);
  };
  await same('supply', async (s) => (await s.query.balances.totalIssuance()).toString());
  await same('minted', async (s) => (await s.query.bme.stats()).minted.toString());
  await same('burned', async (s) => (await s.query.bme.stats()).burnedForCredits.toString());
  await same('credits-outstanding', async (s) => (await s.query.bme.stats()).creditsOutstanding.toString());
  await same('epoch', async (s) => (await s.query.bme.currentEpoch()).toString());
  await same('price', async (s) => (await s.query.bme.effectivePrice()).toJSON()?.toString() ?? '');
  assert.equal(await page.$$eval('figure svg', (svgs) => svgs.length), 2, 'two charts');
  const { values: [tokens], state } = await shown('chart-tokens');
  const drawn = JSON.parse(tokens);
  const records = (await state.query.bme.epochs.entries())
    .map(([k, v]) => [k.args[0].toNumber(), v.unwrap()])
    .sort((a, b) => a[0] - b[0]);
  assert.ok(drawn.length >= 2, `${drawn.length} epochs drawn`);
  assert.deepEqual(drawn, records.slice(-drawn.length).map(([epoch, r]) => ({
    epoch,
    burned: r.burned.toString(),
    scheduled: r.scheduled.toString(),
    recycled: r.recycled.toString(),
    claimed: r.claimed.toString(),
  })));
  const { values: [work] } = await shown('chart-work');
  assert.deepEqual(JSON.parse(work), records.slice(-drawn.length).map(([epoch, r]) => ({
    epoch,
    work: r.totalWork.toString(),
  })));
  assert.ok(JSON.parse(work).some((e) => e.work !== '0'), 'the settled task is verified work in some epoch');
  await screenshot('bme');
});

test('the models view lists every registered model', async () => {
  await open('#/models');
  const { values: [count], state } = await shown('model-count');
  const models = await state.query.models.models.entries();
  assert.ok(models.length > 0, 'the dev chain registers its demo models');
  assert.equal(count, String(models.length));
  for (const [key, info] of models) {
    const { values } = await shown('macs', `tr[data-model="${key.args[0].toHex()}"]`);
    assert.deepEqual(values, [info.unwrap().macsPerSample.toString()]);
  }
  await screenshot('models');
});

test('a node that is not there, or not a node URL, gets a clear message', async () => {
  for (const [node, expected] of [
    ['ws://127.0.0.1:1', /Cannot connect: cannot reach a node at ws:\/\/127\.0\.0\.1:1/],
    ['http://127.0.0.1:9944', /is not a WebSocket URL/],
    ['nonsense', /is not a URL/],
  ]) {
    // A full load each time: the address differs only in its query.
    await page.goto(`${site}?node=${encodeURIComponent(node)}#/network`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.state === 'error', { timeout: 30_000 });
    const text = await page.$eval('#status', (e) => e.textContent);
    assert.match(text, expected, text);
    if (node.startsWith('ws:')) await screenshot('bad-node');
  }
});
