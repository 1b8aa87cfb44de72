/** Order statistics for benchmark figures. */

/** The q-quantile (0..1) of an ascending array, nearest-rank; 0 for an empty one. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export const ms = (x: number): string => `${x.toFixed(1)} ms`;
