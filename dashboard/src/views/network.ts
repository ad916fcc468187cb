// Network: head, finalized, block time, validators, and what the chain is carrying.
import { card, esc, int } from '../chain';
import type { At } from '../chain';

/** Blocks the block time is averaged over. */
const SPAN = 10;

export async function network(at: At): Promise<string> {
  const { api, state } = at;
  const [finalizedHash, authorities, now, nextTask, escrowed, chain, version] = await Promise.all([
    api.rpc.chain.getFinalizedHead(),
    state.query.aura.authorities(),
    state.query.timestamp.now(),
    state.query.escrow.nextTaskId(),
    state.query.escrow.totalEscrowed(),
    api.rpc.system.chain(),
    api.rpc.state.getRuntimeVersion(at.hash),
  ]);
  const finalized = await api.rpc.chain.getHeader(finalizedHash);
  // Block time: the timestamps of this block and of the block SPAN before it (genesis has none).
  const back = Math.min(SPAN, Math.max(at.number - 1, 0));
  let blockTime = '—';
  if (back > 0) {
    const earlierHash = await api.rpc.chain.getBlockHash(at.number - back);
    const earlier = await (await api.at(earlierHash)).query.timestamp.now();
    const ms = (BigInt(now.toString()) - BigInt(earlier.toString())) / BigInt(back);
    blockTime = `${(Number(ms) / 1000).toFixed(2)} s`;
  }
  const validators = (authorities.toJSON() as string[]) ?? [];
  return `
    <h2>Network: ${esc(chain.toString())}</h2>
    <div class="cards">
      ${card('best block', 'head', int(at.number), at.number)}
      ${card('finalized', 'finalized', int(finalized.number.toNumber()), finalized.number.toNumber())}
      ${card(`block time (last ${back})`, 'block-time', blockTime)}
      ${card('validators', 'validator-count', String(validators.length))}
      ${card('tasks submitted', 'tasks-submitted', int(nextTask.toString()), nextTask.toString())}
      ${card('credits in escrow', 'escrowed', int(escrowed.toString()), escrowed.toString())}
      ${card('runtime', 'runtime', `${version.specName} v${version.specVersion}`)}
    </div>
    <h3>Validators (Aura authorities)</h3>
    <table><tr><th>#</th><th>authority key</th></tr>
      ${validators.map((v, i) => `<tr><td>${i}</td><td class="mono" data-test="validator">${esc(v)}</td></tr>`).join('')}
    </table>`;
}
