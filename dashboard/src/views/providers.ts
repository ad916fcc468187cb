// Providers: stake, reputation, status, kernels and models, ask, jail, pending slashes and
// earnings; one provider in full at #/providers/<stash>.
import { aip, esc, int, numCell, priceUnit, short, variant } from '../chain';
import type { At } from '../chain';
import { hexToString } from '@polkadot/util';

interface ProviderJson {
  operator: string;
  profile: { deviceClass: unknown; vramMib: number; throughput: number; kernels: number[]; askPrice: number };
  endpoint: string;
  active: string | number;
  unlocking: { value: string | number; unlockAt: number }[];
  status: unknown;
  lastHeartbeat: number;
  reputation: { ppm: number } & Record<string, unknown>;
  jailedUntil: number | null;
}

/** Every pending slash, by the stash it falls on. */
async function pendingSlashes(at: At): Promise<Map<string, { id: string; kind: string; amount: bigint; applyAt: number }[]>> {
  const byStash = new Map<string, { id: string; kind: string; amount: bigint; applyAt: number }[]>();
  for (const [key, value] of await at.state.query.slashing.slashes.entries()) {
    const rec = value.toJSON() as { offence: { kind: unknown; provider: string }; amount: string | number; applyAt: number; status: unknown } | null;
    if (!rec || variant(rec.status) !== 'pending') continue;
    const stash = at.api.createType('AccountId', rec.offence.provider).toString();
    const list = byStash.get(stash) ?? [];
    list.push({ id: key.args[0].toString(), kind: variant(rec.offence.kind), amount: BigInt(rec.amount), applyAt: rec.applyAt });
    byStash.set(stash, list);
  }
  return byStash;
}

function reputationText(rep: ProviderJson['reputation']): string {
  const ppm = Number(Object.values(rep)[0] ?? 0);
  return `${(ppm / 10_000).toFixed(1)}%`;
}

export async function providers(at: At): Promise<string> {
  const [entries, slashes, epoch] = await Promise.all([
    at.state.query.staking.providers.entries(),
    pendingSlashes(at),
    at.state.query.bme.currentEpoch(),
  ]);
  const rows = await Promise.all(
    entries.map(async ([key, value]) => {
      const stash = key.args[0].toString();
      const p = value.toJSON() as unknown as ProviderJson;
      const [work, pending] = await Promise.all([
        at.state.query.bme.work(epoch, stash),
        at.state.query.bme.pendingRewards(stash),
      ]);
      const workJson = work.toJSON() as { credits?: number | string } | null;
      const mine = slashes.get(stash) ?? [];
      const slashed = mine.reduce((a, s) => a + s.amount, 0n);
      return `<tr data-stash="${esc(stash)}">
        <td class="mono"><a href="#/providers/${esc(stash)}">${esc(short(stash))}</a></td>
        ${numCell('stake', aip(p.active), BigInt(p.active))}
        ${numCell('reputation', reputationText(p.reputation))}
        <td data-test="status">${esc(variant(p.status))}</td>
        <td data-test="kernels">${esc(p.profile.kernels.join(', '))}</td>
        ${numCell('ask', int(p.profile.askPrice), p.profile.askPrice)}
        <td data-test="jailed">${p.jailedUntil == null ? 'no' : `until #${int(p.jailedUntil)}`}</td>
        ${numCell('pending-slashes', mine.length ? `${mine.length} (${aip(slashed)})` : '0', mine.length)}
        ${numCell('work-this-epoch', int(workJson?.credits ?? 0), BigInt(workJson?.credits ?? 0))}
        ${numCell('pending-rewards', aip(pending.toString()), pending.toString())}
      </tr>`;
    }),
  );
  return `
    <h2>Providers (${entries.length})</h2>
    <table>
      <tr><th>stash</th><th>stake</th><th>reputation</th><th>status</th><th>kernels &amp; models</th>
      <th>ask (${esc(priceUnit(at))})</th><th>jailed</th><th>pending slashes</th>
      <th>verified work this epoch (credits)</th><th>rewards settled, unclaimed</th></tr>
      ${rows.join('')}
    </table>
    <p>Epoch ${int(epoch.toString())} in progress. Kernel 65,536 is the inference engine (it runs every registered model); ids above it are the models (see Models).</p>`;
}

export async function provider(at: At, stash: string): Promise<string> {
  const info = await at.state.query.staking.providers(stash);
  if (info.isEmpty) return `<p class="bad" data-test="not-found">No provider with stash ${esc(stash)}.</p>`;
  const p = info.toJSON() as unknown as ProviderJson;
  const [slashes, epoch, pending, unclaimed, tasks] = await Promise.all([
    pendingSlashes(at),
    at.state.query.bme.currentEpoch(),
    at.state.query.bme.pendingRewards(stash),
    at.state.query.bme.unclaimed(stash),
    at.state.query.escrow.providerTasks(stash),
  ]);
  const mine = slashes.get(stash) ?? [];
  const epochs = ((unclaimed.toJSON() as number[] | null) ?? []).map(Number);
  const works = await Promise.all(
    [...epochs, Number(epoch.toString())].map(async (e) => {
      const w = (await at.state.query.bme.work(e, stash)).toJSON() as { credits?: number | string } | null;
      return `<tr><td>${int(e)}</td>${numCell('epoch-work', int(w?.credits ?? 0), BigInt(w?.credits ?? 0))}</tr>`;
    }),
  );
  const taskIds = (tasks.toJSON() as number[] | null) ?? [];
  return `
    <h2>Provider <span class="mono" data-test="stash">${esc(stash)}</span></h2>
    <table>
      <tr><th>operator</th><td class="mono">${esc(p.operator)}</td></tr>
      <tr><th>endpoint</th><td class="mono">${esc(hexToString(p.endpoint))}</td></tr>
      <tr><th>stake (active)</th>${numCell('stake', aip(p.active), BigInt(p.active))}</tr>
      <tr><th>unbonding</th><td>${p.unlocking.map((u) => `${aip(u.value)} at #${int(u.unlockAt)}`).join('<br>') || '—'}</td></tr>
      <tr><th>status</th><td data-test="status">${esc(variant(p.status))}</td></tr>
      <tr><th>reputation</th>${numCell('reputation', reputationText(p.reputation))}</tr>
      <tr><th>last heartbeat</th><td>#${int(p.lastHeartbeat)}</td></tr>
      <tr><th>jailed</th><td>${p.jailedUntil == null ? 'no' : `until #${int(p.jailedUntil)}`}</td></tr>
      <tr><th>device</th><td>${esc(variant(p.profile.deviceClass))}, ${int(p.profile.vramMib)} MiB, ${int(p.profile.throughput)} units/s</td></tr>
      <tr><th>kernels &amp; models</th><td>${esc(p.profile.kernels.join(', '))}</td></tr>
      <tr><th>ask</th><td>${int(p.profile.askPrice)} ${esc(priceUnit(at))}</td></tr>
      <tr><th>tasks in flight</th><td data-test="in-flight">${taskIds.map((t) => `<a href="#/tasks/${t}">${t}</a>`).join(', ') || '—'}</td></tr>
      <tr><th>rewards settled, unclaimed</th>${numCell('pending-rewards', aip(pending.toString()), pending.toString())}</tr>
    </table>
    <h3>Pending slashes (${mine.length})</h3>
    <table><tr><th>id</th><th>offence</th><th>amount</th><th>applies at</th></tr>
      ${mine.map((s) => `<tr><td>${esc(s.id)}</td><td>${esc(s.kind)}</td>${numCell('slash-amount', aip(s.amount), s.amount)}<td>#${int(s.applyAt)}</td></tr>`).join('')}
    </table>
    <h3>Verified work per epoch (credits; unclaimed epochs and the current one)</h3>
    <table><tr><th>epoch</th><th>work</th></tr>${works.join('')}</table>`;
}
