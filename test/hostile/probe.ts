/**
 * Runs readers on hostile files in a child process (non-regular.test.ts bundles this file with
 * esbuild and runs it with a timeout): a reader that blocked on a FIFO or read /dev/zero forever
 * would otherwise hang the test run instead of failing it. Checks come as JSON `[[reader, file], …]`
 * in argv[2]; one JSON line goes to stdout per check, then the process's peak RSS.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '../../src/extract/decode.js';
import { openModelSession } from '../../src/extract/session.js';
import { sha256OfInput } from '../../src/io/input-file.js';
import { readStoreMeta } from '../../src/extract/store.js';
import { readFaceLandmarks, readFaceTemplateMedia, readTemplatePairs } from '../../src/io/ijb-meta.js';
import { readInsightfaceBin } from '../../src/io/insightface-bin.js';
import { readJsonInput } from '../../src/io/input-file.js';
import { readLfwPairs, readNameList, readPairsCsv } from '../../src/io/lfw-pairs.js';
import { readMagfaceFeatureList } from '../../src/io/magface-feature-list.js';
import { openNpyRows, readNpyMatrix, readNpyScores } from '../../src/io/npy.js';

const READERS: Record<string, (file: string) => unknown> = {
  'face list': readFaceTemplateMedia,
  'landmark list': readFaceLandmarks,
  'pair file': (f) => readTemplatePairs(f, () => 0, 1),
  'LFW pairs.txt': readLfwPairs,
  'pairs CSV': readPairsCsv,
  'names list': readNameList,
  'MagFace list': readMagfaceFeatureList,
  '.npy features': readNpyMatrix,
  '.npy streamed': (f) => openNpyRows(f).close(),
  '.npy scores': readNpyScores,
  '.bin pack': readInsightfaceBin,
  JSON: readJsonInput,
  'store.json': (f) => {
    const dir = mkdtempSync(join(tmpdir(), 'facebench-probe-'));
    symlinkSync(f, join(dir, 'store.json'));
    return readStoreMeta(dir);
  },
  'ONNX model': (f) => openModelSession(f, 'cpu', { threads: 1 }),
  image: (f) => decodeImage(f),
  sha256: sha256OfInput,
};

async function main(): Promise<void> {
  const checks = JSON.parse(process.argv[2]) as [string, string][];
  for (const [reader, file] of checks) {
    try {
      await READERS[reader](file);
      process.stdout.write(JSON.stringify({ reader, file, ok: true }) + '\n');
    } catch (e) {
      process.stdout.write(JSON.stringify({ reader, file, ok: false, error: (e as Error).constructor.name, message: (e as Error).message }) + '\n');
    }
  }
  process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');
}

if (process.argv[2]) await main();
