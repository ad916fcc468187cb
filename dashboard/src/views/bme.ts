// Burn-and-mint equilibrium: price, supply, the running totals, and per closed epoch what was
// burned, scheduled, recycled and minted, as charts.
import { aip, card, int } from '../chain';
import type { At } from '../chain';
import { bars } from '../chart';

/** Closed epochs the charts show, newest last. */
const EPOCHS_SHOWN = 24;

interface EpochJson {
  scheduled: string | number;
  recycled: string | number;
  burned: string | number;
  workPool: string | number;
  availabilityPool: string | number;
  totalWork: string | number;
  claimed: string | number;
}

const toAip = (v: string | number) => Number(BigInt(v) / 10n ** 8n) / 10_000;

export async function bme(at: At): Promise<string> {
  const [price, issuance, stats, epoch, records] = await Promise.all([
    at.state.query.bme.effectivePrice(),
    at.state.query.balances.totalIssuance(),
    at.state.query.bme.stats(),
    at.state.query.bme.currentEpoch(),
    at.state.query.bme.epochs.entries(),
  ]);
  const s = stats.toJSON() as Record<string, string | number>;
  const priceJson = price.toJSON() as number | string | null;
  const priceText = priceJson == null
    ? 'none (oracle halted)'
    : `$${(Number(BigInt(priceJson)) / 1e9).toFixed(6)} per AIP`;
  const closed = records
    .map(([k, v]) => ({ e: Number(k.args[0].toString()), r: v.toJSON() as unknown as EpochJson }))
    .filter((x) => x.r != null)
    .sort((a, b) => a.e - b.e)
    .slice(-EPOCHS_SHOWN);
  const labels = closed.map((x) => String(x.e));
  const tokenChart = bars('Tokens per epoch', 'chart-tokens', labels, [
    { label: 'burned for credits', values: closed.map((x) => toAip(x.r.burned)) },
    { label: 'scheduled emission', values: closed.map((x) => toAip(x.r.scheduled)) },
    { label: 'recycled', values: closed.map((x) => toAip(x.r.recycled)) },
    { label: 'minted (claimed)', values: closed.map((x) => toAip(x.r.claimed)) },
  ], 'AIP', closed.map((x) => ({
    epoch: x.e,
    burned: String(BigInt(x.r.burned)),
    scheduled: String(BigInt(x.r.scheduled)),
    recycled: String(BigInt(x.r.recycled)),
    claimed: String(BigInt(x.r.claimed)),
  })));
  const workChart = bars('Verified work per epoch', 'chart-work', labels, [
    { label: 'credits earned by providers', values: closed.map((x) => Number(x.r.totalWork)) },
  ], 'credits', closed.map((x) => ({ epoch: x.e, work: String(BigInt(x.r.totalWork)) })));
  return `
    <h2>Burn-and-mint equilibrium</h2>
    <div class="cards">
      ${card('price (oracle)', 'price', priceText, priceJson ?? '')}
      ${card('total supply', 'supply', aip(issuance.toString()), issuance.toString())}
      ${card('burned for credits', 'burned', aip(s.burnedForCredits), BigInt(s.burnedForCredits))}
      ${card('burned by slashing', 'burned-slashing', aip(s.burnedBySlashing), BigInt(s.burnedBySlashing))}
      ${card('minted', 'minted', aip(s.minted), BigInt(s.minted))}
      ${card('credits outstanding', 'credits-outstanding', int(s.creditsOutstanding), BigInt(s.creditsOutstanding))}
      ${card('credits issued / spent', 'credits-flow', `${int(s.creditsIssued)} / ${int(s.creditsSpent)}`)}
      ${card('epoch in progress', 'epoch', int(epoch.toString()), epoch.toString())}
    </div>
    <p>Net issuance since genesis: minted − burned (all causes) = <span data-test="net">${netText(s)}</span>.</p>
    <div class="charts">${tokenChart}${workChart}</div>
    <p>${closed.length ? `Epochs ${labels[0]}–${labels[labels.length - 1]} (closed; older ones are pruned).` : 'No epoch has closed yet.'}</p>`;
}

function netText(s: Record<string, string | number>): string {
  const minted = BigInt(s.minted ?? 0);
  const burned = BigInt(s.burnedForCredits ?? 0) + BigInt(s.burnedBySlashing ?? 0) + BigInt(s.burnedFees ?? 0);
  const net = minted - burned;
  return net < 0n ? `−${aip(-net)} (shrinking)` : `${aip(net)} (growing)`;
}


