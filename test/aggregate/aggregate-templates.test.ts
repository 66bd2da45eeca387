import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateTemplates, templateBytes } from '../../src/aggregate/aggregate-templates.js';
import { Kernels } from '../../src/wasm/kernels.js';
import { parseAggregationList } from '../../src/aggregate/spec.js';
import { groupFacesByTemplate } from '../../src/aggregate/template-grouping.js';
import { memoryFeatureSource } from '../../src/io/feature-source.js';
import { readFaceLandmarks, readFaceTemplateMedia } from '../../src/io/ijb-meta.js';
import { readNpyMatrix } from '../../src/io/npy.js';
import { REPO } from '../helpers/cli.js';

const DIR = join(REPO, 'test/data/ijb-parity');
const faces = readFaceTemplateMedia(join(DIR, 'meta/ijbc_face_tid_mid.txt'));
const det = readFaceLandmarks(join(DIR, 'meta/ijbc_name_5pts_score.txt')).detectorScores;
const orig = readNpyMatrix(join(DIR, 'features.npy'));
const flip = readNpyMatrix(join(DIR, 'features_flip.npy'));
const specs = parseAggregationList('plain,magnitude,insightface,insightface:N0D1F0,magface,magface+', true);

function permuteRows(data: Float32Array, cols: number, order: number[]): Float32Array {
  const out = new Float32Array(data.length);
  order.forEach((from, to) => out.set(data.subarray(from * cols, (from + 1) * cols), to * cols));
  return out;
}

describe('aggregateTemplates', () => {
  it('gives bit-identical templates whether faces are interleaved (many templates open) or listed template by template', () => {
    // The parity file interleaves templates; reorder it template by template, keeping the face order
    // inside each template, so every media sum adds the same values in the same order.
    const order = faces.names.map((_, i) => i).sort((a, b) => faces.templateIds[a] - faces.templateIds[b] || a - b);
    const pick = (a: Float64Array | Float32Array) => order.map((i) => a[i]);
    const interleaved = aggregateTemplates(
      groupFacesByTemplate(faces.templateIds, faces.mediaIds),
      memoryFeatureSource(orig, 'f', flip, 'g'),
      det,
      specs,
    );
    const sortedFeatures = { rows: orig.rows, cols: orig.cols, data: permuteRows(orig.data, orig.cols, order) };
    const sortedFlip = { rows: flip.rows, cols: flip.cols, data: permuteRows(flip.data, flip.cols, order) };
    const byTemplate = aggregateTemplates(
      groupFacesByTemplate(Float64Array.from(pick(faces.templateIds)), Float64Array.from(pick(faces.mediaIds))),
      memoryFeatureSource(sortedFeatures, 'f', sortedFlip, 'g'),
      Float32Array.from(pick(det)),
      specs,
    );
    expect(byTemplate.length).toBe(specs.length);
    for (let k = 0; k < specs.length; k++) expect(byTemplate[k].data).toEqual(interleaved[k].data);
  });

  it('every template row has unit norm', () => {
    const [plain] = aggregateTemplates(groupFacesByTemplate(faces.templateIds, faces.mediaIds), memoryFeatureSource(orig, 'f', flip, 'g'), det, specs.slice(0, 1));
    for (let t = 0; t < plain.count; t++) {
      let ss = 0;
      for (let j = 0; j < plain.cols; j++) ss += plain.data[t * plain.cols + j] ** 2;
      expect(Math.abs(Math.sqrt(ss) - 1)).toBeLessThan(1e-12);
    }
  });

  it('float32 templates, in fresh arrays or in the kernel memory, are the float64 ones rounded', () => {
    const grouping = groupFacesByTemplate(faces.templateIds, faces.mediaIds);
    const source = () => memoryFeatureSource(orig, 'f', flip, 'g');
    const f64 = aggregateTemplates(grouping, source(), det, specs);
    const kernels = new Kernels();
    const f32 = aggregateTemplates(grouping, source(), det, specs, { kernels, precision: 'float32', base: 0 });
    const outputsAt = 4096;
    const base = outputsAt + templateBytes(specs.length, f64[0].count, f64[0].cols);
    const inKernels = aggregateTemplates(grouping, source(), det, specs, { kernels, precision: 'float32', base, outputsAt });
    for (let k = 0; k < specs.length; k++) {
      const rounded = Float32Array.from(f64[k].data);
      expect(f32[k].data).toEqual(rounded);
      expect(kernels.owns(inKernels[k].data)).toBe(true);
      expect(inKernels[k].data).toEqual(rounded);
    }
  });
});
