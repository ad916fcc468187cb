// Models: the registered inference models and where their programs live.
import { aip, esc, int, short } from '../chain';
import type { At } from '../chain';

export async function models(at: At): Promise<string> {
  const [entries, urls] = await Promise.all([
    at.state.query.models.models.entries(),
    at.state.query.models.programUrls.keys(),
  ]);
  const remote = new Set(urls.map((k) => k.args[0].toHex()));
  const rows = entries.map(([key, value]) => {
    const id = key.args[0].toHex();
    const m = value.toJSON() as { owner: string | null; deposit: string | number; kernel: number; bytes: number; macsPerSample: number; retiredAt: number | null };
    return `<tr data-model="${esc(id)}">
      <td class="mono">${esc(id)}</td>
      <td data-test="kernel">${m.kernel}</td>
      <td class="num">${int(m.bytes)}</td>
      <td class="num" data-test="macs" data-raw="${m.macsPerSample}">${int(m.macsPerSample)}</td>
      <td>${remote.has(id) ? 'by URL (fetched by workers)' : 'on chain'}</td>
      <td class="mono">${m.owner ? esc(short(m.owner)) : 'genesis'}</td>
      <td class="num">${aip(m.deposit)}</td>
      <td>${m.retiredAt == null ? 'live' : `retired at #${int(m.retiredAt)}`}</td>
    </tr>`;
  });
  return `
    <h2>Models (<span data-test="model-count">${entries.length}</span>)</h2>
    <table>
      <tr><th>model id (program hash)</th><th>kernel</th><th>program bytes</th><th>MACs / sample</th>
      <th>program</th><th>owner</th><th>deposit</th><th>state</th></tr>
      ${rows.join('')}
    </table>
    <p>Run one: <code>aipin infer MODEL INPUT.npy -r 2 -o OUT.npy</code> (docs/inference.md).</p>`;
}
