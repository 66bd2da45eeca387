/**
 * The kernels' memory as one arena of named regions. Regions that outlive a stage (the pair list,
 * the float32 templates) are held bottom up; everything above the last held region is scratch that
 * every stage (aggregation, scoring, the ROC, the 1:N search) starts at the same place, so each
 * stage reuses the pages the one before touched: on this project's VMs first-touching memory costs
 * more than most of the arithmetic (BENCHMARKS.md). A region's bytes are 16-aligned (v128 loads).
 */
import { Kernels, align16 } from './kernels.js';

export interface ArenaRegion {
  name: string;
  /** Byte offset of the region in the kernel memory. */
  at: number;
  /** Its size, a multiple of 16. */
  bytes: number;
}

export class KernelArena {
  readonly kernels = new Kernels();
  private readonly held: ArenaRegion[] = [];
  /** The largest scratch any stage asked for, from `scratchAt` (for diagnostics and the tests). */
  scratchHighWater = 0;

  /** First byte above the held regions: where every stage's scratch starts. */
  get scratchAt(): number {
    const top = this.held[this.held.length - 1];
    return top ? top.at + top.bytes : 0;
  }

  /** Holds `bytes` as region `name` above the regions held so far (grows the memory). */
  hold(name: string, bytes: number): ArenaRegion {
    if (this.held.some((r) => r.name === name)) throw new Error(`kernel arena: region '${name}' is already held`);
    const region = { name, at: this.scratchAt, bytes: align16(bytes) };
    this.kernels.ensureBytes(region.at + region.bytes);
    this.held.push(region);
    return region;
  }

  /** Releases region `name` and every region held after it (their bytes become scratch). */
  releaseFrom(name: string): void {
    const k = this.held.findIndex((r) => r.name === name);
    if (k < 0) throw new Error(`kernel arena: no region '${name}'`);
    this.held.length = k;
  }

  region(name: string): ArenaRegion | undefined {
    return this.held.find((r) => r.name === name);
  }

  /**
   * Makes `bytes` of scratch usable from `scratchAt` for one stage, reusing whatever earlier stages
   * wrote there, and returns its start. Views into the memory must be taken after this call.
   */
  scratch(bytes: number): number {
    const at = this.scratchAt;
    this.kernels.ensureBytes(at + bytes);
    this.scratchHighWater = Math.max(this.scratchHighWater, bytes);
    return at;
  }
}
