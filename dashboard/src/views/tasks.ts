// Tasks: phase, assignments, commits, reveals, reason and result root; one task in full at
// #/tasks/<id>, with links to the result on its providers' servers.
import { esc, int, numCell, short, variant } from '../chain';
import { verifyCell } from '../verify';
import type { At } from '../chain';
import { hexToString } from '@polkadot/util';

/** How many of the newest tasks the list shows. */
const LIST_LEN = 50;

interface Slot { provider: string; ask: number; role: unknown; state: unknown }
interface TaskJson {
  consumer: string;
  kernel: number;
  params: number[];
  replication: number;
  workUnits: number;
  escrow: string | number;
  submittedAt: number;
  deadline: number;
  phase: Record<string, Record<string, unknown>>;
  assignments: Slot[];
  resultRoot: string | null;
}

/** `queued until #12`, `reveal until #40`, `finished: Completed at #41`. */
function phaseText(phase: TaskJson['phase']): { name: string; text: string } {
  const name = variant(phase);
  const body = phase[name] ?? {};
  if (name === 'finished') return { name, text: `finished: ${variant(body.reason)} at #${int(Number(body.at))}` };
  const end = body.expires ?? body.ends;
  return { name, text: end == null ? name : `${name} until #${int(Number(end))}` };
}

function count(task: TaskJson, state: string): number {
  return task.assignments.filter((a) => variant(a.state) === state).length;
}

export async function tasks(at: At): Promise<string> {
  const next = Number((await at.state.query.escrow.nextTaskId()).toString());
  const ids = Array.from({ length: Math.min(LIST_LEN, next) }, (_, i) => next - 1 - i);
  const found = await at.state.query.escrow.tasks.multi(ids);
  const rows = ids
    .map((id, i) => ({ id, task: found[i].toJSON() as unknown as TaskJson | null }))
    .filter((r): r is { id: number; task: TaskJson } => r.task != null)
    .map(({ id, task }) => {
      const phase = phaseText(task.phase);
      return `<tr data-task="${id}">
        <td><a href="#/tasks/${id}">${id}</a></td>
        <td class="mono">${esc(short(task.consumer))}</td>
        <td>${task.kernel}</td>
        <td data-test="phase" data-phase="${esc(phase.name)}">${esc(phase.text)}</td>
        ${numCell('replication', String(task.replication))}
        ${numCell('assigned', String(task.assignments.length))}
        ${numCell('committed', String(count(task, 'committed') + count(task, 'revealed')))}
        ${numCell('revealed', String(count(task, 'revealed')))}
        <td class="mono" data-test="root">${esc(task.resultRoot ?? '—')}</td>
      </tr>`;
    });
  return `
    <h2>Tasks (the ${LIST_LEN} newest of ${int(next)}; finished tasks are pruned after a day)</h2>
    <table>
      <tr><th>id</th><th>consumer</th><th>kernel</th><th>phase / reason</th><th>r</th>
      <th>slots</th><th>committed</th><th>revealed</th><th>result root</th></tr>
      ${rows.join('')}
    </table>`;
}

export async function task(at: At, id: number): Promise<string> {
  const value = await at.state.query.escrow.tasks(id);
  if (value.isEmpty) return `<p class="bad" data-test="not-found">No task ${id} (never submitted, or pruned).</p>`;
  const t = value.toJSON() as unknown as TaskJson;
  const phase = phaseText(t.phase);
  const endpoints = await at.state.query.staking.providers.multi(t.assignments.map((a) => a.provider));
  const finished = phase.name === 'finished';
  const slots = t.assignments.map((a, i) => {
    const info = endpoints[i].toJSON() as { endpoint?: string } | null;
    const endpoint = info?.endpoint ? hexToString(info.endpoint) : '';
    const state = variant(a.state);
    const url = `${endpoint.replace(/\/$/, '')}/results/${id}`;
    // A result is served once the task settled with it (a provider withholds it before).
    const served = state === 'revealed' && endpoint && t.resultRoot != null && finished;
    const link = served ? `<a data-test="result-link" href="${esc(url)}">result</a>` : '';
    const check = served ? verifyCell(url, t.resultRoot as string, `task-${id}.bin`) : '<td></td>';
    return `<tr><td class="mono"><a href="#/providers/${esc(a.provider)}">${esc(short(a.provider))}</a></td>
      <td>${esc(variant(a.role))}</td><td data-test="slot-state">${esc(state)}</td>
      <td>${int(a.ask)}</td><td>${link}</td>${check}</tr>`;
  });
  return `
    <h2>Task <span data-test="task-id">${id}</span></h2>
    <table>
      <tr><th>phase</th><td data-test="phase" data-phase="${esc(phase.name)}">${esc(phase.text)}</td></tr>
      <tr><th>consumer</th><td class="mono">${esc(t.consumer)}</td></tr>
      <tr><th>kernel, params</th><td>${t.kernel} [${t.params.join(', ')}]</td></tr>
      <tr><th>replication</th><td>${t.replication}</td></tr>
      <tr><th>work units</th><td>${int(t.workUnits)}</td></tr>
      <tr><th>escrow left</th><td data-test="escrow">${int(t.escrow)} credits</td></tr>
      <tr><th>submitted, deadline</th><td>#${int(t.submittedAt)}, #${int(t.deadline)}</td></tr>
      <tr><th>result root</th><td class="mono" data-test="root">${esc(t.resultRoot ?? '—')}</td></tr>
    </table>
    <h3>Assignments</h3>
    <table><tr><th>provider</th><th>role</th><th>state</th><th>ask</th><th>output</th><th>check</th></tr>${slots.join('')}</table>
    <p>Once the task has settled, each provider that revealed the accepted root serves its output.
    "Download and verify" fetches it into this page and recomputes its result root, which must
    equal the one on chain; <code>aipin task fetch ${id}</code> does the same from the command line,
    chunk by chunk.</p>`;
}

