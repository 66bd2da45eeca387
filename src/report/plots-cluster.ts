/**
 * MagFace's clustering check as a picture: each face's feature magnitude against its kNN density
 * (learn-to-cluster `density`), with Spearman's ρ in the title — a vega-lite scatter rendered
 * headless to SVG by plots.ts `renderSvg`. Large sets are thinned to every m-th face (at most
 * `maxPoints`, face order) so that the SVG stays small; the title says so.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { MagnitudeDensity } from '../protocols/cluster.js';
import { renderSvg } from './plots.js';

export const SCATTER_MAX_POINTS = 5000;

export function magnitudeDensitySpec(m: MagnitudeDensity, label = 'features', maxPoints = SCATTER_MAX_POINTS): TopLevelSpec {
  const n = m.magnitudes.length;
  const step = Math.max(1, Math.ceil(n / maxPoints));
  const values: { magnitude: number; density: number }[] = [];
  for (let i = 0; i < n; i += step) values.push({ magnitude: m.magnitudes[i], density: m.density[i] });
  const rho = Number.isNaN(m.spearman) ? 'undefined' : m.spearman.toFixed(3);
  const thinned = step > 1 ? `, every ${step}th of ${n} faces shown` : `, ${n} faces`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${label}: magnitude vs kNN density`, subtitle: `Spearman ρ = ${rho} (k ${m.k}, radius ${m.radius}${thinned})` },
    width: 480,
    height: 360,
    background: 'white',
    data: { values },
    mark: { type: 'circle', size: 12, opacity: 0.45 },
    encoding: {
      x: { field: 'magnitude', type: 'quantitative', scale: { zero: false }, axis: { title: 'feature magnitude ‖f‖' } },
      y: { field: 'density', type: 'quantitative', scale: { zero: false }, axis: { title: 'kNN density Σ(1 − d), d < radius' } },
    },
  } as unknown as TopLevelSpec;
}

export function magnitudeDensitySvg(m: MagnitudeDensity, label?: string): Promise<string> {
  return renderSvg(magnitudeDensitySpec(m, label));
}
