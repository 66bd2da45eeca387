/** Stage timing of the protocols: each named stage reports its wall time (progress lines, benchmarks). */
export type OnStage = ((stage: string, ms: number) => void) | undefined;

export function timed<T>(stage: string, onStage: OnStage, work: () => T): T {
  const t0 = performance.now();
  const out = work();
  onStage?.(stage, performance.now() - t0);
  return out;
}

export async function timedAsync<T>(stage: string, onStage: OnStage, work: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await work();
  onStage?.(stage, performance.now() - t0);
  return out;
}
