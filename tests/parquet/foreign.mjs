#!/usr/bin/env node
// foreign.mjs -- Orchard's reader on files written by another writer (DuckDB): every value that
// `orchard parquet cat` prints must equal what DuckDB reads back from its own file; a file
// using what our reader does not support (gzip) must be refused with a message, never read
// wrong.
//
//   node foreign.mjs DIR ORCHARD_BINARY
//
// Samples: path/label strings (label dictionary-encoded by DuckDB, some NULL), features
// FLOAT[] (optional elements in DuckDB's schema; some lists NULL or empty), int32, int64 (some
// NULL), double; zstd, snappy and uncompressed; row groups of 1000 rows; data pages v1 (PLAIN,
// dictionary) and v2 (DuckDB's V2: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// BYTE_STREAM_SPLIT, RLE_DICTIONARY). Then arrow-rs (parquet-wasm's writer) writes the same
// kind of table from JS arrays with its defaults, with v2 pages + DELTA_BYTE_ARRAY /
// DELTA_LENGTH_BYTE_ARRAY / DELTA_BINARY_PACKED + snappy + small row groups and pages, and with
// BYTE_STREAM_SPLIT + zstd; ours must equal the source arrays.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const [dir, orchard] = process.argv.slice(2);
if (!dir || !orchard) {
  console.error('usage: node foreign.mjs DIR ORCHARD_BINARY');
  process.exit(2);
}
const { DuckDBInstance } = await import('@duckdb/node-api');
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run('SET threads = 1');
await c.run(`CREATE TABLE t AS
  SELECT 'img/' || ['Apple', 'Pêche', '梨'][1 + i % 3] || '/' || i || '.jpg' AS path,
         CASE WHEN i % 17 = 5 THEN NULL ELSE ['Banana', 'Apple', 'Cherry', 'Date'][1 + i % 4] END AS label,
         CASE WHEN i % 23 = 7 THEN NULL
              WHEN i % 11 = 2 THEN []::FLOAT[]
              ELSE list_transform(range(1 + i % 9), x -> ((x * 0.37 - i / 1000.0) * (-1) ** x)::FLOAT) END AS features,
         (i * 37 % 1000 - 500)::INTEGER AS width,
         CASE WHEN i % 4 = 1 THEN NULL ELSE (i - 50) * 4000000011 END::BIGINT AS bytes,
         i / 7.0 - 10.0 AS score
  FROM range(3500) r(i)`);

const samples = [
  { name: 'duckdb-zstd.parquet', opts: 'COMPRESSION zstd, ROW_GROUP_SIZE 1000', ok: true },
  { name: 'duckdb-uncompressed.parquet', opts: 'COMPRESSION uncompressed, ROW_GROUP_SIZE 1000', ok: true },
  { name: 'duckdb-snappy.parquet', opts: 'COMPRESSION snappy', ok: true },
  { name: 'duckdb-v2.parquet', opts: 'COMPRESSION zstd, PARQUET_VERSION V2', ok: true },
  { name: 'duckdb-v2-snappy.parquet', opts: 'COMPRESSION snappy, PARQUET_VERSION V2, ROW_GROUP_SIZE 1000', ok: true },
  { name: 'duckdb-v2-uncompressed.parquet', opts: 'COMPRESSION uncompressed, PARQUET_VERSION V2', ok: true },
  { name: 'duckdb-gzip.parquet', opts: 'COMPRESSION gzip', ok: false, refusal: /codec 2/ },
];
let failures = 0;
const sqlFile = (f) => `'${f.replace(/'/g, "''")}'`;
for (const s of samples) {
  const f = path.resolve(dir, s.name);
  await c.run(`COPY (SELECT * FROM t) TO ${sqlFile(f)} (FORMAT parquet, ${s.opts})`);
  const encs = (await c.runAndReadAll(`SELECT DISTINCT encodings FROM parquet_metadata(${sqlFile(f)})`))
    .getRowObjectsJS().map((r) => r.encodings).join(' | ');
  const res = spawnSync(orchard, ['parquet', 'cat', f], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const mustRead = s.ok;
  if (!mustRead) {
    if (res.status === 0) {
      failures++;
      console.log(`FAIL ${s.name}: read although it uses ${encs} / ${s.opts}`);
    } else if (!/reading .*: /.test(res.stderr) || (s.refusal && !s.refusal.test(res.stderr))) {
      failures++;
      console.log(`FAIL ${s.name}: refused without a clear message: ${res.stderr.trim()}`);
    } else {
      console.log(`ok   ${s.name}: refused as it should (${res.stderr.trim().slice(0, 140)})`);
    }
    continue;
  }
  if (res.status !== 0) {
    failures++;
    console.log(`FAIL ${s.name} (encodings ${encs}): orchard parquet cat exit ${res.status}: ${res.stderr.trim()}`);
    continue;
  }
  const ours = res.stdout.split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  const rr = await c.runAndReadAll(`SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlFile(f)}, file_row_number=true) ORDER BY file_row_number`);
  const names = rr.columnNames();
  const theirs = rr.getRowObjectsJS();
  const problems = [];
  if (ours.length !== theirs.length) problems.push(`rows: ours ${ours.length}, duckdb ${theirs.length}`);
  for (let i = 0; i < Math.min(ours.length, theirs.length) && problems.length < 5; i++) {
    for (const n of names) {
      const a = ours[i][n], b = theirs[i][n];
      let same;
      if (b === null || b === undefined) same = a === null;
      else if (Array.isArray(b)) same = Array.isArray(a) && a.length === b.length && a.every((x, k) => Object.is(Math.fround(x), b[k]));
      else if (typeof b === 'bigint') same = typeof a === 'number' && BigInt(a) === b;
      else same = Object.is(a, b);
      if (!same) problems.push(`row ${i} ${n}: ours ${JSON.stringify(a)} duckdb ${typeof b === 'bigint' ? b : JSON.stringify(b)}`);
    }
  }
  if (problems.length) {
    failures++;
    console.log(`FAIL ${s.name} (encodings ${encs})`);
    for (const p of problems) console.log(`  - ${p}`);
  } else {
    console.log(`ok   ${s.name}: ${ours.length} rows x ${names.length} columns equal to DuckDB's (encodings ${encs})`);
  }
}
// ---------- arrow-rs (parquet-wasm) as the writer: values compared with the source arrays ----------
const arrow = await import('apache-arrow');
const pw = await import('parquet-wasm');
const N = 2500;
const src = { path: [], label: [], features: [], width: [], bytes: [], score: [] };
for (let i = 0; i < N; i++) {
  src.path.push(`data/${['Apple', 'Pêche', '梨', 'émoji 🍓'][i % 4]}/${i}_100.jpg`);
  src.label.push(i % 17 === 5 ? null : ['Banana', 'Apple', 'Cherry', 'Date'][i % 4]);
  src.features.push(i % 23 === 7 ? null : i % 11 === 2 ? []
    : Array.from({ length: 1 + (i % 9) }, (_, x) => Math.fround((x * 0.37 - i / 1000) * (x % 2 ? -1 : 1))));
  src.width.push((i * 37) % 1000 - 500);
  src.bytes.push(i % 4 === 1 ? null : BigInt(i - 50) * 4000000011n);
  src.score.push(i / 7 - 10);
}
const elem = new arrow.Field('element', new arrow.Float32(), false);
const table = new arrow.Table({
  path: arrow.vectorFromArray(src.path, new arrow.Utf8()),
  label: arrow.vectorFromArray(src.label, new arrow.Utf8()),
  features: arrow.vectorFromArray(src.features, new arrow.List(elem)),
  width: arrow.vectorFromArray(src.width, new arrow.Int32()),
  bytes: arrow.vectorFromArray(src.bytes, new arrow.Int64()),
  score: arrow.vectorFromArray(src.score, new arrow.Float64()),
});
const ipc = arrow.tableToIPC(table, 'stream');
const E = pw.Encoding;
const arrowSamples = [
  { name: 'arrow-default.parquet', props: () => new pw.WriterPropertiesBuilder() },
  { name: 'arrow-v2-delta-snappy.parquet', props: () => new pw.WriterPropertiesBuilder()
      .setWriterVersion(pw.WriterVersion.V2).setDictionaryEnabled(false)
      .setCompression(pw.Compression.SNAPPY).setMaxRowGroupSize(700).setDataPageSizeLimit(4096)
      .setColumnEncoding('path', E.DELTA_BYTE_ARRAY).setColumnEncoding('label', E.DELTA_LENGTH_BYTE_ARRAY)
      .setColumnEncoding('width', E.DELTA_BINARY_PACKED).setColumnEncoding('bytes', E.DELTA_BINARY_PACKED) },
  { name: 'arrow-bss-zstd.parquet', props: () => new pw.WriterPropertiesBuilder()
      .setDictionaryEnabled(false).setCompression(pw.Compression.ZSTD)
      .setColumnEncoding('features.list.element', E.BYTE_STREAM_SPLIT).setColumnEncoding('score', E.BYTE_STREAM_SPLIT) },
];
const { writeFileSync } = await import('node:fs');
for (const a of arrowSamples) {
  const f = path.resolve(dir, a.name);
  writeFileSync(f, pw.writeParquet(pw.Table.fromIPCStream(ipc), a.props().build()));
  const encs = (await c.runAndReadAll(`SELECT DISTINCT encodings FROM parquet_metadata(${sqlFile(f)})`))
    .getRowObjectsJS().map((r) => r.encodings).join(' | ');
  const res = spawnSync(orchard, ['parquet', 'cat', f], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.status !== 0) {
    failures++;
    console.log(`FAIL ${a.name} (encodings ${encs}): orchard parquet cat exit ${res.status}: ${res.stderr.trim()}`);
    continue;
  }
  const ours = res.stdout.split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  const problems = [];
  if (ours.length !== N) problems.push(`rows: ours ${ours.length}, want ${N}`);
  for (let i = 0; i < Math.min(ours.length, N) && problems.length < 5; i++) {
    for (const n of Object.keys(src)) {
      const a2 = ours[i][n], b = src[n][i];
      let same;
      if (b === null) same = a2 === null;
      else if (Array.isArray(b)) same = Array.isArray(a2) && a2.length === b.length && a2.every((x, k) => Object.is(Math.fround(x), b[k]));
      else if (typeof b === 'bigint') same = typeof a2 === 'number' && BigInt(a2) === b;
      else same = Object.is(a2, b);
      if (!same) problems.push(`row ${i} ${n}: ours ${JSON.stringify(a2)} want ${typeof b === 'bigint' ? b : JSON.stringify(b)}`);
    }
  }
  if (problems.length) {
    failures++;
    console.log(`FAIL ${a.name} (encodings ${encs})`);
    for (const p of problems) console.log(`  - ${p}`);
  } else {
    console.log(`ok   ${a.name}: ${N} rows equal to the arrays arrow-rs wrote (encodings ${encs})`);
  }
}
// ---------- corrupted copies of the foreign files: an error or a clean read, never a crash ----------
// (under the ASan build a sanitizer report fails the check as well)
const { readFileSync: slurp } = await import('node:fs');
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8);
let corrupted = 0, refused = 0;
for (const name of ['duckdb-v2-uncompressed.parquet', 'arrow-v2-delta-snappy.parquet']) {
  const orig = slurp(path.resolve(dir, name));
  for (let it = 0; it < 40; it++) {
    const m = Buffer.from(orig);
    const k = 1 + (rand() % 6);
    for (let j = 0; j < k; j++) m[rand() % m.length] = rand() & 255;
    const f = path.resolve(dir, `corrupt-${it}-${name}`);
    writeFileSync(f, m);
    const res = spawnSync(orchard, ['parquet', 'cat', f], { encoding: 'utf8', maxBuffer: 1 << 28 });
    corrupted++;
    if (res.signal || (res.status !== 0 && res.status !== 1) || /Sanitizer|runtime error/.test(res.stderr)) {
      failures++;
      console.log(`FAIL corrupted ${name} #${it}: status ${res.status} signal ${res.signal}: ${res.stderr.trim().slice(0, 300)}`);
    } else if (res.status === 1) {
      refused++;
    }
  }
}
console.log(`ok   ${corrupted} corrupted copies of foreign files: ${refused} refused with a message, the rest read, no crash`);
console.log(`foreign.mjs: ${samples.length} DuckDB files + ${arrowSamples.length} arrow-rs files, ${failures} failed`);
process.exit(failures ? 1 : 0);
