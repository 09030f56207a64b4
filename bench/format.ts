/** Number formats shared by RESULTS.md and the goal verdicts. */

export function formatNumber(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** A share as a percentage; near 100% two decimals, so 99.95% does not print as 100.0%. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return 'n/a';
  return `${(share * 100).toFixed(share > 0.99 && share < 1 ? 2 : 1)}%`;
}

/** The load averages next to the core count they are to be read against. */
export function formatLoad(load: readonly number[], cores: number): string {
  return `load ${load.map((x) => x.toFixed(2)).join(' / ')} (1 / 5 / 15 min) on ${cores} cores`;
}
