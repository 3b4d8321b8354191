/**
 * A small line chart of the health verdicts over time, canary against stable, as inline SVG (no
 * library). Each point carries a <title> with its numbers; the verdict table beside it is the
 * accessible form of the same data.
 */
import { svg } from './dom.js';

const W = 360;
const H = 150;
const PAD = { left: 52, right: 10, top: 12, bottom: 26 };

/**
 * series: [{ name, className, points: [{ t: epochMs, y: number|null, label }] }]
 * format(y) → axis text; minScale: the smallest top of the y axis
 */
export function lineChart({ title, series, format, minScale = 0 }) {
  const all = series.flatMap((s) => s.points.filter((p) => p.y !== null && p.y !== undefined));
  const ts = series.flatMap((s) => s.points.map((p) => p.t));
  const tMin = Math.min(...ts);
  const tMax = Math.max(...ts);
  // minScale keeps a flat line of zeros at the bottom of a sensible scale, not at the top of 0…1.
  const yMax = Math.max(...all.map((p) => p.y), minScale / 1.15) * 1.15 || 1;
  const x = (t) =>
    tMax === tMin
      ? PAD.left + (W - PAD.left - PAD.right) / 2
      : PAD.left + ((t - tMin) / (tMax - tMin)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);

  const grid = [0, 0.5, 1].map((f) => {
    const v = yMax * f;
    return [
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }),
      svg('text', { x: PAD.left - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, format(v)),
    ];
  });
  const timeLabels = ts.length
    ? [
        svg(
          'text',
          { x: x(tMin), y: H - 8, 'text-anchor': 'start', class: 'axis' },
          new Date(tMin).toISOString().slice(11, 19),
        ),
        tMax !== tMin
          ? svg(
              'text',
              { x: x(tMax), y: H - 8, 'text-anchor': 'end', class: 'axis' },
              new Date(tMax).toISOString().slice(11, 19),
            )
          : null,
      ]
    : [];
  const lines = series.map((s) => {
    const pts = s.points.filter((p) => p.y !== null && p.y !== undefined);
    return svg(
      'g',
      { class: `series ${s.className}` },
      pts.length > 1
        ? svg('polyline', { points: pts.map((p) => `${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ') })
        : null,
      pts.map((p) =>
        svg(
          'circle',
          { cx: x(p.t).toFixed(1), cy: y(p.y).toFixed(1), r: 3.5 },
          svg('title', {}, `${s.name}: ${p.label}`),
        ),
      ),
    );
  });
  return svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart',
      role: 'img',
      'aria-label': `${title}: ${series.map((s) => `${s.name} ${s.points.map((p) => p.label).join(', ') || 'no data'}`).join('; ')}`,
    },
    svg('title', {}, title),
    grid,
    timeLabels,
    lines,
  );
}
