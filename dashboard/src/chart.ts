// A bar chart as inline SVG: one bar per epoch, no library.
import { esc } from './chain';

export interface Series { label: string; values: number[] }

/** Bars for `series` over `labels` (grouped per label), scaled to the largest value; `raw`, the
 * exact figures drawn, goes into the figure's `data-raw` as JSON. */
export function bars(
  title: string,
  test: string,
  labels: string[],
  series: Series[],
  unit: string,
  raw: unknown = null,
): string {
  const width = 520, height = 180, pad = 28;
  const max = Math.max(1e-12, ...series.flatMap((s) => s.values));
  const groupW = (width - pad) / Math.max(1, labels.length);
  const barW = Math.max(2, (groupW - 4) / Math.max(1, series.length));
  const colours = ['#14213d', '#fca311', '#2a9d8f', '#e76f51'];
  const rects = labels.flatMap((label, i) =>
    series.map((s, j) => {
      const v = s.values[i] ?? 0;
      const h = ((height - pad) * v) / max;
      const x = pad + i * groupW + j * barW;
      return `<rect x="${x.toFixed(1)}" y="${(height - pad - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${colours[j % colours.length]}"><title>${esc(`${s.label}, epoch ${label}: ${v} ${unit}`)}</title></rect>`;
    }),
  );
  const ticks = labels.map((l, i) => `<text x="${(pad + i * groupW + groupW / 2).toFixed(1)}" y="${height - 10}" font-size="10" text-anchor="middle">${esc(l)}</text>`);
  const legend = series.map((s, j) => `<span style="color:${colours[j % colours.length]}">■</span> ${esc(s.label)}`).join(' &nbsp; ');
  return `<figure data-test="${esc(test)}" data-raw="${esc(JSON.stringify(raw))}"><figcaption>${esc(title)} (${esc(unit)}; max ${esc(max.toLocaleString('en-US'))})</figcaption>
    <svg width="${width}" height="${height}" role="img" aria-label="${esc(title)}">${rects.join('')}${ticks.join('')}
    <line x1="${pad}" y1="${height - pad}" x2="${width}" y2="${height - pad}" stroke="#888"/></svg>
    <div>${legend}</div></figure>`;
}
