/**
 * The 1:1 pair list in the kernel memory, where the simd scorer (`scorePairsSimd`) and the ROC
 * kernel read it: held as the arena's `pairs` region at the bottom of the memory. The pair file is
 * parsed straight into it (the kernel `parsePairLines` parses the common lines of blocks read into
 * the kernel memory; the io parser does the rest), or a pair list is copied into it.
 */
import { readTemplatePairs, type TemplatePairs } from '../io/ijb-meta.js';
import type { KernelArena } from '../wasm/arena.js';
import { align16, type Kernels } from '../wasm/kernels.js';

/** A pair list in the kernel memory (byte offsets). */
export interface KernelPairs {
  first: number;
  second: number;
  labels: number;
  /** 2: u16 template indices, 4: i32. */
  indexBytes: 2 | 4;
  count: number;
  /** First byte after the arrays (sized for their capacity). */
  end: number;
}

export interface PairsInKernels {
  /** Views of the arrays in the kernel memory. */
  pairs: TemplatePairs;
  inKernels: KernelPairs;
}

const PAIRS_REGION = 'pairs';
/** Template ids above this get no lookup table in the kernel memory (the JS parser takes them). */
const MAX_TABLE_ID = 1 << 24;
const PARSE_BLOCK_BYTES = 16 * 1024 * 1024;

/** Holds the `pairs` region for `capacity` pairs (replacing one held before); returns its layout. */
function holdPairs(arena: KernelArena, capacity: number, indexBytes: 2 | 4): KernelPairs {
  if (arena.region(PAIRS_REGION)) arena.releaseFrom(PAIRS_REGION);
  const second = align16(capacity * indexBytes);
  const labels = second + align16(capacity * indexBytes);
  const end = labels + align16(capacity);
  const at = arena.hold(PAIRS_REGION, end).at;
  return { first: at, second: at + second, labels: at + labels, indexBytes, count: 0, end: at + end };
}

function pairViews(kernels: Kernels, at: KernelPairs, count: number): TemplatePairs {
  const index = (offset: number): Uint16Array | Int32Array => (at.indexBytes === 2 ? kernels.u16(offset, count) : kernels.i32(offset, count));
  return { first: index(at.first), second: index(at.second), labels: kernels.u8(at.labels, count) };
}

/** Copies a pair list into the arena's `pairs` region. */
export function copyPairsIntoArena(pairs: TemplatePairs, arena: KernelArena): PairsInKernels {
  const count = pairs.labels.length;
  const at = { ...holdPairs(arena, count, pairs.first instanceof Uint16Array ? 2 : 4), count };
  const views = pairViews(arena.kernels, at, count);
  views.first.set(pairs.first);
  views.second.set(pairs.second);
  views.labels.set(pairs.labels);
  return { pairs: views, inKernels: at };
}

/**
 * readTemplatePairs into the arena's `pairs` region, the common lines parsed by the kernel from
 * blocks read into the scratch above it (with the id → index table). `onCapacity` is called once the
 * line count is known, before parsing, with the first byte above the pair arrays.
 */
export function readPairsIntoArena(
  file: string,
  templateIds: ArrayLike<number>,
  templateIndexOf: (id: number) => number,
  arena: KernelArena,
  onCapacity?: (capacity: number, pairsEnd: number) => void,
  blockBytes = PARSE_BLOCK_BYTES,
): PairsInKernels {
  let at: KernelPairs | undefined;
  const T = templateIds.length;
  const pairs = readTemplatePairs(file, templateIndexOf, T, blockBytes, (capacity, indexBytes) => {
    at = holdPairs(arena, capacity, indexBytes);
    onCapacity?.(capacity, at.end);
    let maxId = -1;
    for (let t = 0; t < T; t++) maxId = Math.max(maxId, templateIds[t]);
    const tableLen = maxId < MAX_TABLE_ID && Number.isInteger(maxId) ? maxId + 1 : 0;
    const tableAt = arena.scratch(align16(tableLen * 4) + blockBytes);
    const blockAt = tableAt + align16(tableLen * 4);
    const k = arena.kernels;
    const table = k.i32(tableAt, tableLen).fill(-1);
    for (let t = 0; t < T; t++) if (templateIds[t] >= 0 && templateIds[t] < tableLen) table[templateIds[t]] = t;
    const blockBuffer = Buffer.from(k.memory.buffer, blockAt, blockBytes);
    const pairsAt = at;
    // A block in the kernel memory (not a longer-line buffer) goes to the kernel, if ids fit its table.
    const parseBlock = (block: Buffer, n: number): number | undefined =>
      tableLen > 0 && block.buffer === blockBuffer.buffer && block.byteOffset === blockAt
        ? k.k.parsePairLines(blockAt, block.length, tableAt, tableLen, pairsAt.first, pairsAt.second, pairsAt.labels, indexBytes, n)
        : undefined;
    return { pairs: pairViews(k, pairsAt, capacity), blockBuffer, parseBlock };
  });
  return { pairs, inKernels: { ...at!, count: pairs.labels.length } };
}
