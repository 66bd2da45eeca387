/**
 * Reads a `quality` result document (what qualityJson writes, schemaVersion 2) back into the
 * result object, so that saved runs can be plotted or compared (`null` becomes NaN). Every
 * malformed field is a DataError naming the file and the field's path.
 */
import { DataError } from '../errors.js';
import type { EdcResult, QualityResult, QualitySetResult, QualitySourceResult } from '../protocols/quality.js';
import { SCHEMA_VERSION } from './results-json.js';

type Json = Record<string, unknown>;

export function qualityResultFromJson(doc: unknown, file: string): QualityResult {
  const fail = (path: string, what: string): DataError => new DataError(`${file}: ${path}: ${what}`);
  const obj = (v: unknown, path: string): Json => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(path, 'expected an object');
    return v as Json;
  };
  const num = (v: unknown, path: string): number => {
    if (v === null) return NaN;
    if (typeof v !== 'number') throw fail(path, `expected a number or null, found ${JSON.stringify(v)?.slice(0, 40)}`);
    return v;
  };
  const str = (v: unknown, path: string): string => {
    if (typeof v !== 'string') throw fail(path, 'expected a string');
    return v;
  };
  const list = (v: unknown, path: string): unknown[] => {
    if (!Array.isArray(v)) throw fail(path, 'expected an array');
    return v;
  };
  const numbers = (v: unknown, path: string): Float64Array => Float64Array.from(list(v, path), (x, i) => num(x, `${path}[${i}]`));
  const counts = (v: unknown, path: string): Int32Array => Int32Array.from(numbers(v, path));

  const d = obj(doc, '(document)');
  if (d.protocol !== 'quality') throw fail('protocol', `expected "quality", found ${JSON.stringify(d.protocol)}`);
  if (d.schemaVersion !== SCHEMA_VERSION) throw fail('schemaVersion', `expected ${SCHEMA_VERSION}, found ${JSON.stringify(d.schemaVersion)}`);
  const fmrs = Array.from(numbers(d.fmrs, 'fmrs'));
  const edc = (v: unknown, path: string): EdcResult => {
    const e = obj(v, path);
    return {
      discard: numbers(e.discard, `${path}.discard`),
      error: numbers(e.error, `${path}.error`),
      threshold: num(e.threshold, `${path}.threshold`),
      startingError: num(e.starting_error, `${path}.starting_error`),
      startingErrorActual: num(e.starting_error_actual, `${path}.starting_error_actual`),
      pauc: num(e.pauc, `${path}.pauc`),
      theoreticalBest: num(e.pauc_theoretical_best, `${path}.pauc_theoretical_best`),
    };
  };
  const source = (v: unknown, path: string): QualitySourceResult & { dataset: string } => {
    const r = obj(v, path);
    const kind = str(r.kind, `${path}.kind`);
    if (kind !== 'norm' && kind !== 'file' && kind !== 'random') throw fail(`${path}.kind`, `expected norm, file or random, found ${kind}`);
    const kept = obj(r.kept, `${path}.kept`);
    const magface = obj(r.magface_erc, `${path}.magface_erc`);
    const byFmr = obj(obj(r.erc, `${path}.erc`).fmr, `${path}.erc.fmr`);
    const e = obj(r.edc, `${path}.edc`);
    const erc = fmrs.map((target) => {
      const key = target.toExponential().replace('e+', 'e');
      const c = obj(byFmr[key], `${path}.erc.fmr["${key}"]`);
      const at = `${path}.erc.fmr["${key}"]`;
      return { target, fnmr: numbers(c.fnmr, `${at}.fnmr`), threshold: numbers(c.threshold, `${at}.threshold`), fmr: numbers(c.fmr_actual, `${at}.fmr_actual`), auc: num(c.auc, `${at}.auc`) };
    });
    const h = r.histogram === undefined ? undefined : obj(r.histogram, `${path}.histogram`);
    return {
      dataset: str(r.dataset, `${path}.dataset`),
      quality: str(r.quality, `${path}.quality`),
      kind,
      keptGenuine: counts(kept.genuine, `${path}.kept.genuine`),
      keptImpostor: counts(kept.impostor, `${path}.kept.impostor`),
      magfaceErc: { fnmr: numbers(magface.fnmr, `${path}.magface_erc.fnmr`), threshold: numbers(magface.threshold, `${path}.magface_erc.threshold`) },
      erc,
      edc: { fnm: edc(e.fnm, `${path}.edc.fnm`), fm: edc(e.fm, `${path}.edc.fm`) },
      ...(h
        ? { histogram: { edges: numbers(h.edges, `${path}.histogram.edges`), genuine: numbers(h.genuine, `${path}.histogram.genuine`), impostor: numbers(h.impostor, `${path}.histogram.impostor`) } }
        : {}),
    };
  };
  const sources = list(d.results, 'results').map((r, i) => source(r, `results[${i}]`));
  const sets: QualitySetResult[] = list(d.datasets, 'datasets').map((v, i) => {
    const s = obj(v, `datasets[${i}]`);
    const path = `datasets[${i}]`;
    const dataset = str(s.dataset, `${path}.dataset`);
    const kind = str(s.kind, `${path}.kind`);
    const score = str(s.score, `${path}.score`);
    const sampleKind = str(s.sample_kind, `${path}.sample_kind`);
    if (kind !== 'pairs' && kind !== 'ijb') throw fail(`${path}.kind`, `expected pairs or ijb, found ${kind}`);
    if (score !== 'angular-distance' && score !== 'cosine' && score !== 'magface-angular') throw fail(`${path}.score`, `unknown score ${score}`);
    if (sampleKind !== 'image' && sampleKind !== 'template') throw fail(`${path}.sample_kind`, `expected image or template, found ${sampleKind}`);
    const own = sources.filter((r) => r.dataset === dataset).map(({ dataset: _, ...r }) => r);
    if (own.length === 0) throw fail('results', `no result for data set ${dataset}`);
    const templateQuality = s.template_quality === undefined ? undefined : str(s.template_quality, `${path}.template_quality`);
    if (templateQuality !== undefined && templateQuality !== 'mean' && templateQuality !== 'min') throw fail(`${path}.template_quality`, `expected mean or min, found ${templateQuality}`);
    return {
      dataset,
      kind,
      score,
      ...(s.aggregation === undefined ? {} : { aggregation: str(s.aggregation, `${path}.aggregation`) }),
      ...(templateQuality ? { templateQuality } : {}),
      pairs: num(s.pairs, `${path}.pairs`),
      genuine: num(s.genuine, `${path}.genuine`),
      impostor: num(s.impostor, `${path}.impostor`),
      samples: num(s.samples, `${path}.samples`),
      sampleKind,
      sources: own,
    };
  });
  return {
    protocol: 'quality',
    fmrs,
    startingError: num(d.starting_error, 'starting_error'),
    paucLimit: num(d.pauc_limit, 'pauc_limit'),
    seed: num(d.random_seed, 'random_seed'),
    discard: numbers(d.discard, 'discard'),
    sets,
    warnings: list(d.warnings, 'warnings').map((w, i) => str(w, `warnings[${i}]`)),
  };
}
