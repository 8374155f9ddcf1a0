#!/usr/bin/env node
// check.mjs -- read Orchard's Parquet files with three independent readers and compare EVERY
// value with what the C test says it wrote.
//
//   node check.mjs DIR        for each DIR/NAME.expect.json, check DIR/NAME.parquet
//
// Readers: DuckDB (@duckdb/node-api, native C++), hyparquet + hyparquet-compressors (pure JS),
// parquet-wasm (arrow-rs compiled to WebAssembly, decoded through apache-arrow).
// Expectation (written by tests/test_parquet.c, from its generator, not read back):
//   { file, rows, codec: "ZSTD"|"UNCOMPRESSED", row_groups,
//     columns: [{name, type: string|string_dict|float_list|int32|int64|double, nullable}],
//     data: [[v0, v1, ...], ...] }      int64 values as decimal strings, floats as %.9g
// Checked per reader: column names and types (and nullability where the reader shows it), row
// count, row-group count, codec of every column chunk, and every value: strings exactly, floats
// bit for bit as float32 (-0 included), doubles exactly, int64 as BigInt, nulls vs empty lists.
// With hyparquet, which decodes them, also the statistics of every column chunk: min/max
// recomputed from the expectation (UTF-8 byte order for strings, -0/+0 for zero bounds, absent
// past 1024-byte strings) and null_count (absent on lists).
// Exit status 0 when every reader passes every file; 1 otherwise (each problem is printed).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node check.mjs DIR');
  process.exit(2);
}

// ---------- readers: each returns {rows: [[...]], names, types, nullable, numRows, numRowGroups, codecs} ----------
async function readDuckDB(file) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const inst = await DuckDBInstance.create(':memory:');
  const c = await inst.connect();
  const f = `'${path.resolve(file).replace(/'/g, "''")}'`;
  const q = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS();
  const fm = (await q(`SELECT num_rows, num_row_groups FROM parquet_file_metadata(${f})`))[0];
  const desc = await q(`DESCRIBE SELECT * FROM read_parquet(${f})`);
  const schema = await q(`SELECT name, repetition_type FROM parquet_schema(${f})`);
  const md = await q(`SELECT row_group_id, path_in_schema, compression FROM parquet_metadata(${f})`);
  const res = await c.runAndReadAll(
    `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${f}, file_row_number=true) ORDER BY file_row_number`);
  const names = res.columnNames();
  const rows = res.getRowObjectsJS().map((r) => names.map((n) => r[n]));
  const rep = Object.fromEntries(schema.map((s) => [s.name, s.repetition_type]));
  const duckType = { VARCHAR: 'string', 'FLOAT[]': 'float_list', INTEGER: 'int32', BIGINT: 'int64', DOUBLE: 'double' };
  return {
    reader: 'duckdb', names, rows,
    types: desc.map((d) => duckType[d.column_type] ?? d.column_type),
    nullable: names.map((n) => (rep[n] === undefined ? undefined : rep[n] === 'OPTIONAL')),
    numRows: Number(fm.num_rows), numRowGroups: Number(fm.num_row_groups),
    codecs: md.map((m) => String(m.compression).toUpperCase()),
  };
}

async function readHyparquet(file) {
  const { parquetMetadata, parquetReadObjects, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const md = parquetMetadata(ab);
  const tree = parquetSchema(md);
  const names = tree.children.map((ch) => ch.element.name);
  const typeOf = (ch) => {
    const e = ch.element;
    if (ch.children.length) {
      const leaf = ch.children[0]?.children[0]?.element;
      return e.converted_type === 'LIST' && leaf && leaf.type === 'FLOAT' ? 'float_list' : 'group';
    }
    return { BYTE_ARRAY: 'string', INT32: 'int32', INT64: 'int64', DOUBLE: 'double' }[e.type] ?? e.type;
  };
  const objs = Number(md.num_rows) > 0 ? await parquetReadObjects({ file: ab, compressors }) : [];
  return {
    reader: 'hyparquet', names,
    types: tree.children.map(typeOf),
    nullable: tree.children.map((ch) => ch.element.repetition_type === 'OPTIONAL'),
    numRows: Number(md.num_rows), numRowGroups: md.row_groups.length,
    codecs: md.row_groups.flatMap((rg) => rg.columns.map((col) => col.meta_data.codec)),
    rows: objs.map((o) => names.map((n) => o[n])),
    rgRows: md.row_groups.map((rg) => Number(rg.num_rows)),
    stats: md.row_groups.map((rg) => rg.columns.map((col) => col.meta_data.statistics)),
  };
}

async function readParquetWasm(file) {
  const pw = await import('parquet-wasm');
  const arrow = await import('apache-arrow');
  const bytes = readFileSync(file);
  const pf = await pw.ParquetFile.fromFile(new Blob([bytes]));
  const md = pf.metadata();
  const codecs = [];
  md.rowGroups().forEach((rg) => rg.columns().forEach((col) => codecs.push(String(pw.Compression[col.compression()]).toUpperCase())));
  const table = arrow.tableFromIPC(pw.readParquet(new Uint8Array(bytes)).intoIPCStream());
  const fields = table.schema.fields;
  const arrowType = (t) => {
    if (arrow.DataType.isList(t)) return arrow.DataType.isFloat(t.children[0].type) && t.children[0].type.precision === arrow.Precision.SINGLE ? 'float_list' : 'list';
    if (arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t)) return 'string';
    if (arrow.DataType.isInt(t)) return t.bitWidth === 32 ? 'int32' : t.bitWidth === 64 ? 'int64' : 'int';
    if (arrow.DataType.isFloat(t)) return t.precision === arrow.Precision.DOUBLE ? 'double' : 'float';
    return String(t);
  };
  const columns = fields.map((f) => table.getChild(f.name));
  const rows = [];
  for (let i = 0; i < table.numRows; i++) rows.push(columns.map((col) => col.get(i)));
  return {
    reader: 'parquet-wasm', names: fields.map((f) => f.name), rows,
    types: fields.map((f) => arrowType(f.type)),
    nullable: fields.map((f) => f.nullable),
    numRows: Number(md.fileMetadata().numRows()), numRowGroups: md.numRowGroups(), codecs,
  };
}

// ---------- statistics: recompute them from the expectation, per row group ----------
const utf8 = (x) => Buffer.from(x, 'utf8');
function expectedStats(col, values) {
  const present = values.filter((v) => v !== null);
  const st = { nulls: values.length - present.length, min: undefined, max: undefined };
  let flat = present;
  if (col.type === 'float_list') { flat = present.flat().map(Math.fround); st.nulls = undefined; }
  if (col.type === 'int64') flat = flat.map((x) => BigInt(x));
  if (col.type === 'string' || col.type === 'string_dict') {
    if (flat.some((x) => utf8(x).length > 1024)) return st; // the writer omits long min/max
    for (const x of flat) {
      if (st.min === undefined || Buffer.compare(utf8(x), utf8(st.min)) < 0) st.min = x;
      if (st.max === undefined || Buffer.compare(utf8(x), utf8(st.max)) > 0) st.max = x;
    }
    return st;
  }
  for (const x of flat) {
    if (st.min === undefined || x < st.min) st.min = x;
    if (st.max === undefined || x > st.max) st.max = x;
  }
  if (st.min === 0) st.min = -0; // the spec: a zero min is written -0.0, a zero max +0.0
  if (st.max === 0) st.max = 0;
  return st;
}

function compareStats(exp, r, problems) {
  let row = 0;
  r.rgRows.forEach((n, g) => {
    exp.columns.forEach((col, k) => {
      const want = expectedStats(col, exp.data.slice(row, row + n).map((d) => d[k]));
      const got = r.stats[g][k] || {};
      const gotMin = got.min_value, gotMax = got.max_value;
      const same = (a, b) => (typeof a === 'bigint' || typeof b === 'bigint' ? a === b : Object.is(a, b));
      if (!same(gotMin, want.min) || !same(gotMax, want.max)) {
        problems.push(`row group ${g} column ${col.name}: min/max ${show(gotMin)}/${show(gotMax)}, want ${show(want.min)}/${show(want.max)}`);
      }
      const nulls = got.null_count === undefined ? undefined : Number(got.null_count);
      if (nulls !== want.nulls) problems.push(`row group ${g} column ${col.name}: null_count ${nulls}, want ${want.nulls}`);
    });
    row += n;
  });
}

// ---------- comparison ----------
function listOf(v) {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v;
  if (ArrayBuffer.isView(v)) return Array.from(v);
  if (typeof v[Symbol.iterator] === 'function') return Array.from(v);
  return undefined;
}

// returns null when equal, else a description
function compare(type, want, got) {
  if (want === null) return got === null || got === undefined ? null : `want null, got ${show(got)}`;
  if (got === null || got === undefined) return `want ${show(want)}, got null`;
  switch (type) {
    case 'string':
    case 'string_dict':
      return typeof got === 'string' && got === want ? null : `want ${show(want)}, got ${show(got)}`;
    case 'int32':
      return Number(got) === want ? null : `want ${want}, got ${show(got)}`;
    case 'int64':
      return BigInt(got) === BigInt(want) ? null : `want ${want}, got ${show(got)}`;
    case 'double':
      return Object.is(Number(got), want) ? null : `want ${want}, got ${show(got)}`;
    case 'float_list': {
      const g = listOf(got);
      if (!g) return `want a list, got ${show(got)}`;
      if (g.length !== want.length) return `want ${want.length} values, got ${g.length}`;
      for (let i = 0; i < want.length; i++) {
        if (!Object.is(Number(g[i]), Math.fround(want[i]))) return `element ${i}: want ${Math.fround(want[i])}, got ${g[i]}`;
      }
      return null;
    }
    default:
      return `unknown type ${type}`;
  }
}

function show(v) {
  const s = typeof v === 'bigint' ? `${v}n` : JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 80)}...` : s;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.expect.json')).sort();
if (files.length === 0) {
  console.error(`check.mjs: no *.expect.json in ${dir}`);
  process.exit(1);
}
let failures = 0, checks = 0;
for (const ef of files) {
  const exp = JSON.parse(readFileSync(path.join(dir, ef), 'utf8'));
  const file = path.join(dir, exp.file);
  const wantNames = exp.columns.map((c) => c.name);
  const wantTypes = exp.columns.map((c) => (c.type === 'string_dict' ? 'string' : c.type));
  for (const [name, fn] of [['duckdb', readDuckDB], ['hyparquet', readHyparquet], ['parquet-wasm', readParquetWasm]]) {
    const problems = [];
    let r;
    try {
      r = await fn(file);
    } catch (e) {
      problems.push(`failed: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
    }
    if (r) {
      if (r.names.join('|') !== wantNames.join('|')) problems.push(`columns [${r.names}] != [${wantNames}]`);
      if (r.types.join('|') !== wantTypes.join('|')) problems.push(`types [${r.types}] != [${wantTypes}]`);
      exp.columns.forEach((c, i) => {
        if (r.nullable[i] !== undefined && r.nullable[i] !== c.nullable && !(name === 'parquet-wasm' && r.nullable[i])) {
          problems.push(`column ${c.name}: nullable ${r.nullable[i]} != ${c.nullable}`);
        }
      });
      if (r.numRows !== exp.rows) problems.push(`footer rows ${r.numRows} != ${exp.rows}`);
      if (r.rows.length !== exp.rows) problems.push(`decoded ${r.rows.length} rows != ${exp.rows}`);
      if (r.numRowGroups !== exp.row_groups) problems.push(`row groups ${r.numRowGroups} != ${exp.row_groups}`);
      if (r.codecs.length !== exp.row_groups * exp.columns.length) problems.push(`${r.codecs.length} column chunks, want ${exp.row_groups * exp.columns.length}`);
      const bad = r.codecs.filter((c) => c !== exp.codec);
      if (bad.length) problems.push(`codecs ${[...new Set(bad)]} != ${exp.codec}`);
      let valueProblems = 0;
      for (let i = 0; i < Math.min(r.rows.length, exp.data.length); i++) {
        for (let k = 0; k < exp.columns.length; k++) {
          checks++;
          const d = compare(exp.columns[k].type, exp.data[i][k], r.rows[i][k]);
          if (d && valueProblems++ < 5) problems.push(`row ${i} column ${exp.columns[k].name}: ${d}`);
        }
      }
      if (valueProblems > 5) problems.push(`... ${valueProblems - 5} more value differences`);
      if (r.stats) {
        const sp = [];
        compareStats(exp, r, sp);
        problems.push(...sp.slice(0, 5));
        if (sp.length > 5) problems.push(`... ${sp.length - 5} more statistics differences`);
      }
    }
    if (problems.length) {
      failures++;
      console.log(`FAIL ${exp.file} [${name}]`);
      for (const p of problems) console.log(`  - ${p}`);
    } else {
      console.log(`ok   ${exp.file} [${name}] ${exp.rows} rows, ${exp.row_groups} row groups, ${exp.codec}`);
    }
  }
}
console.log(`check.mjs: ${files.length} files x 3 readers, ${checks} values compared, ${failures} failed`);
process.exit(failures ? 1 : 0);
