import { describe, expect, it } from 'vitest';
import { KernelArena } from '../../src/wasm/arena.js';

describe('KernelArena', () => {
  it('holds named regions bottom up, 16-aligned; scratch starts above them and is reused', () => {
    const arena = new KernelArena();
    expect(arena.scratchAt).toBe(0);
    const pairs = arena.hold('pairs', 100);
    expect(pairs).toEqual({ name: 'pairs', at: 0, bytes: 112 });
    const templates = arena.hold('templates', 1000);
    expect(templates.at).toBe(112);
    expect(arena.scratchAt).toBe(1120);
    const a = arena.scratch(5000);
    arena.kernels.f32(a, 4).set([1, 2, 3, 4]);
    // The next stage's scratch starts at the same byte and sees what the last one left.
    const b = arena.scratch(10);
    expect(b).toBe(a);
    expect(Array.from(arena.kernels.f32(b, 4))).toEqual([1, 2, 3, 4]);
    expect(arena.kernels.memory.buffer.byteLength).toBeGreaterThanOrEqual(1120 + 5000);
    expect(arena.scratchHighWater).toBe(5000);
  });

  it('releases a region with every region above it; refuses a name twice', () => {
    const arena = new KernelArena();
    arena.hold('pairs', 64);
    arena.hold('templates', 64);
    expect(() => arena.hold('pairs', 16)).toThrow(/already held/);
    arena.releaseFrom('pairs');
    expect(arena.region('templates')).toBeUndefined();
    expect(arena.scratchAt).toBe(0);
    expect(arena.hold('pairs', 32).at).toBe(0);
  });
});
