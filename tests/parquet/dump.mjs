#!/usr/bin/env node
// dump.mjs -- print the rows of a Parquet dataset folder as JSON lines, read by DuckDB (an
// independent reader), in file and row order:  node dump.mjs DIR COLUMN...
// (floats of list columns printed with enough digits to round-trip float32)
import { readdirSync } from 'node:fs';
import path from 'node:path';

const [dir, ...cols] = process.argv.slice(2);
if (!dir || cols.length === 0) {
  console.error('usage: node dump.mjs DIR COLUMN...');
  process.exit(2);
}
const files = readdirSync(dir).filter((f) => f.startsWith('part-') && f.endsWith('.parquet')).sort();
const { DuckDBInstance } = await import('@duckdb/node-api');
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
for (const f of files) {
  const p = `'${path.resolve(dir, f).replace(/'/g, "''")}'`;
  const sel = cols.map((x) => `"${x.replace(/"/g, '""')}"`).join(', ');
  const rows = (await c.runAndReadAll(`SELECT ${sel} FROM read_parquet(${p})`)).getRowObjectsJS();
  for (const r of rows) {
    const o = {};
    for (const k of cols) o[k] = Array.isArray(r[k]) ? r[k].map(Number) : r[k];
    console.log(JSON.stringify(o));
  }
}
