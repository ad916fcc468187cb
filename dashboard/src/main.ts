// The dashboard shell: which node to read, which view to show (the URL's hash), and a fresh
// render of that view at every new best block.
import type { ApiPromise } from '@polkadot/api';
import { DEFAULT_NODE, connect, esc } from './chain';
import type { At } from './chain';
import { bme } from './views/bme';
import { models } from './views/models';
import { network } from './views/network';
import { provider, providers } from './views/providers';
import { task, tasks } from './views/tasks';

const view = document.getElementById('view') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;
const form = document.getElementById('node-form') as HTMLFormElement;
const input = document.getElementById('node-url') as HTMLInputElement;

let api: ApiPromise | null = null;
let unsubscribe: (() => void) | null = null;
let best: { hash: string; number: number } | null = null;
let rendering = false;
let again = false;

/** The node to read: `?node=` in the address, else the last one used, else the local node. */
function nodeUrl(): string {
  return new URLSearchParams(location.search).get('node') ?? localStorage.getItem('aipin.node') ?? DEFAULT_NODE;
}

/** The view for the hash `#/section/arg`. */
function route(a: At): Promise<string> {
  const [section, arg] = location.hash.replace(/^#\/?/, '').split('/');
  for (const link of document.querySelectorAll('header nav a')) {
    link.classList.toggle('active', link.getAttribute('href') === `#/${section || 'network'}`);
  }
  switch (section) {
    case 'providers':
      return arg ? provider(a, decodeURIComponent(arg)) : providers(a);
    case 'tasks':
      return arg ? (/^\d+$/.test(arg) ? task(a, Number(arg)) : Promise.resolve(`<p class="bad">"${esc(arg)}" is not a task id.</p>`)) : tasks(a);
    case 'bme':
      return bme(a);
    case 'models':
      return models(a);
    case '':
    case 'network':
      return network(a);
    default:
      return Promise.resolve(`<p class="bad">No view "${esc(section)}".</p>`);
  }
}

function setStatus(text: string, error = false) {
  status.textContent = text;
  status.classList.toggle('error', error);
  document.body.dataset.state = error ? 'error' : api ? 'connected' : 'connecting';
}

/** Renders the current view; a render asked for meanwhile runs right after. */
async function render() {
  if (!api) return;
  if (rendering) {
    again = true;
    return;
  }
  rendering = true;
  const head = best;
  const hash = location.hash;
  try {
    if (!head) return;
    const state = await api.at(head.hash);
    view.innerHTML = await route({ api, state, ...head });
    // What the page shows: which view, read at which block (tests compare the chain there).
    document.body.dataset.renderedView = hash;
    document.body.dataset.renderedHash = head.hash;
    document.body.dataset.renderedAt = String(head.number);
    setStatus(`connected to ${nodeUrl()} · best block #${head.number.toLocaleString('en-US')} · updated ${new Date().toLocaleTimeString()}`);
  } catch (e) {
    view.innerHTML = `<p class="bad">Reading the chain failed: ${esc((e as Error).message)}</p>`;
  } finally {
    rendering = false;
    if (again) {
      again = false;
      void render();
    }
  }
}

async function start() {
  unsubscribe?.();
  unsubscribe = null;
  await api?.disconnect().catch(() => undefined);
  api = null;
  const url = nodeUrl();
  input.value = url;
  view.innerHTML = '';
  setStatus(`connecting to ${url} …`);
  try {
    const connected = await connect(url);
    api = connected;
    connected.on('disconnected', () => setStatus(`lost the connection to ${url}; reconnecting …`, true));
    connected.on('connected', () => setStatus(`reconnected to ${url}`));
    unsubscribe = await connected.rpc.chain.subscribeNewHeads((head) => {
      best = { hash: head.hash.toHex(), number: head.number.toNumber() };
      void render();
    });
  } catch (e) {
    setStatus(`Cannot connect: ${(e as Error).message}`, true);
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const url = input.value.trim();
  localStorage.setItem('aipin.node', url);
  const params = new URLSearchParams(location.search);
  params.set('node', url);
  history.replaceState(null, '', `?${params}${location.hash}`);
  void start();
});
window.addEventListener('hashchange', () => void render());
void start();
