import { type Html, html } from '../../../html/html.js';
import type { UsageHour } from '../../usage/repository.js';
import { day, table } from '../parts.js';

/** The chart's drawing area, in SVG units: one unit per hour of a 30-day window. */
const WIDTH = 720;
const HEIGHT = 180;
const LEFT = 40;
const TOP = 10;
const BOTTOM = 24;

export interface ChartSeries {
  /** Used for the ids of the title and description: unique on the page. */
  id: string;
  label: string;
  hours: readonly UsageHour[];
  /** The connections licensed now, drawn where no hour says otherwise. */
  licensed: number;
  from: number;
  to: number;
}

const HOUR_MS = 3_600_000;

/** Runs of consecutive hours: a silent hour breaks the line rather than drawing a made-up value. */
function runs(hours: readonly UsageHour[]): UsageHour[][] {
  const out: UsageHour[][] = [];
  for (const hour of hours) {
    const last = out.at(-1);
    const previous = last?.at(-1);
    if (last !== undefined && previous !== undefined && hour.hour - previous.hour === HOUR_MS)
      last.push(hour);
    else out.push([hour]);
  }
  return out;
}

/**
 * Connected against licensed, hour by hour, as an inline SVG: no script, named for screen readers
 * (who get the same figures in a table beside it).
 */
export function usageChart(series: ChartSeries): Html {
  const top = Math.max(series.licensed, ...series.hours.map((hour) => Math.max(hour.peak, hour.licensed)), 1);
  const scaleTop = Math.ceil((top * 1.1) / 10) * 10;
  const span = series.to - series.from;
  const x = (at: number) => (LEFT + ((at - series.from) / span) * WIDTH).toFixed(1);
  const y = (count: number) => (TOP + HEIGHT - (count / scaleTop) * HEIGHT).toFixed(1);
  const steps = (hours: readonly UsageHour[], value: (hour: UsageHour) => number) =>
    hours.flatMap((hour) => [
      `${x(hour.hour)},${y(value(hour))}`,
      `${x(hour.hour + HOUR_MS)},${y(value(hour))}`,
    ]);
  // A run of an hour or two is too short to see as a line: it gets a mark too.
  const used = runs(series.hours).map(
    (run) =>
      html`<polyline class="used" points="${steps(run, (hour) => hour.peak).join(' ')}"/>${
        run.length > 2
          ? ''
          : run.map(
              (hour) =>
                html`<circle class="used" cx="${x(hour.hour + HOUR_MS / 2)}" cy="${y(hour.peak)}" r="3"/>`,
            )
      }`,
  );
  // Licensed runs across the whole window: each reported hour's figure, held until the next, and now's at the end.
  const first = series.hours[0]?.licensed ?? series.licensed;
  const licensedPoints = [
    `${x(series.from)},${y(first)}`,
    ...steps(series.hours, (hour) => hour.licensed),
    `${x(series.to - HOUR_MS)},${y(series.hours.at(-1)?.licensed ?? series.licensed)}`,
    `${x(series.to - HOUR_MS)},${y(series.licensed)}`,
    `${x(series.to)},${y(series.licensed)}`,
  ];
  const peak = series.hours.length === 0 ? undefined : Math.max(...series.hours.map((hour) => hour.peak));
  const summary =
    peak === undefined
      ? `${series.label}: no tunnels reported from ${day(series.from)} to ${day(series.to - 1)}; ${series.licensed} connections licensed.`
      : `${series.label}: connected tunnels against licensed connections, hourly peaks from ${day(series.from)} to ${day(series.to - 1)}; the highest was ${peak}, ${series.licensed} connections are licensed now.`;
  const bottom = TOP + HEIGHT;
  return html`<svg class="chart" role="img" viewBox="0 0 ${LEFT + WIDTH + 10} ${bottom + BOTTOM}" aria-labelledby="${series.id}-title" aria-label="${summary}">
<title id="${series.id}-title">${summary}</title>
<line class="grid" x1="${LEFT}" x2="${LEFT + WIDTH}" y1="${bottom}" y2="${bottom}"/>
<line class="grid" x1="${LEFT}" x2="${LEFT + WIDTH}" y1="${y(scaleTop / 2)}" y2="${y(scaleTop / 2)}"/>
<line class="grid" x1="${LEFT}" x2="${LEFT + WIDTH}" y1="${y(scaleTop)}" y2="${y(scaleTop)}"/>
<text x="${LEFT - 6}" y="${bottom}" text-anchor="end">0</text>
<text x="${LEFT - 6}" y="${Number(y(scaleTop / 2)) + 4}" text-anchor="end">${scaleTop / 2}</text>
<text x="${LEFT - 6}" y="${Number(y(scaleTop)) + 10}" text-anchor="end">${scaleTop}</text>
<text x="${LEFT}" y="${bottom + 16}">${day(series.from)}</text>
<text x="${LEFT + WIDTH}" y="${bottom + 16}" text-anchor="end">${day(series.to - 1)}</text>
<polyline class="licensed" points="${licensedPoints.join(' ')}"/>
${used}
</svg>`;
}

/** The chart's figures for screen readers and anyone who wants them: each day's peak against licensed. */
export function usageTable(series: ChartSeries): Html {
  const days = new Map<number, { peak: number; licensed: number }>();
  for (const hour of series.hours) {
    const start = hour.hour - (hour.hour % 86_400_000);
    const known = days.get(start);
    if (known === undefined || hour.peak > known.peak)
      days.set(start, { peak: hour.peak, licensed: hour.licensed });
  }
  return html`<details><summary>${series.label}: the figures by day</summary>
${table({
  caption: `${series.label}: the most tunnels connected each day, against the connections licensed`,
  head: ['Day', 'Peak tunnels', 'Licensed'],
  numeric: [1, 2],
  rows: [...days].map(
    ([start, figures]) =>
      html`<tr><td>${day(start)}</td><td class="number">${figures.peak}</td><td class="number">${figures.licensed}</td></tr>`,
  ),
  empty: 'No tunnels reported in these 30 days.',
})}</details>`;
}
