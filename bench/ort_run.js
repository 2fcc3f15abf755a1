#!/usr/bin/env node
// Runs a model with ONNX Runtime (CPU, the npm package onnxruntime-node) and
// prints one JSON line of timings; optionally writes the first output as .npy.
//
//   node bench/ort_run.js MODEL.onnx [--threads N] [--iterations K] [--warmup W]
//                         [--batch B] [--input FILE.npy] [--output FILE.npy]
'use strict';
const fs = require('fs');
const path = require('path');

const ortPath = path.join(__dirname, '..', 'third_party', 'ort', 'node_modules', 'onnxruntime-node');
const ort = require(ortPath);

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${file}: only float32 is supported`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start + headerLen,
                                                  buf.byteOffset + buf.length));
  return { shape, data };
}

function writeNpy(file, dims, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
                                        Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const args = process.argv.slice(2);
  const opt = { threads: 1, iterations: 10, warmup: 2, batch: 1 };
  let model = null;
  for (let i = 0; i < args.length; ++i) {
    const a = args[i];
    if (a.startsWith('--')) opt[a.slice(2)] = args[++i];
    else model = a;
  }
  if (!model) throw new Error('usage: ort_run.js MODEL.onnx [--threads N] ...');
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(opt.threads), interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  const name = session.inputNames[0];
  let tensor;
  if (opt.input) {
    const { shape, data } = readNpy(opt.input);
    tensor = new ort.Tensor('float32', data, shape);
  } else {
    const meta = session.inputMetadata ? session.inputMetadata[0] : null;
    let dims = meta && meta.shape ? meta.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : (i === 0 ? Number(opt.batch) : 1))) : null;
    if (!dims) throw new Error('input shape unknown; pass --input');
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    let s = 1;
    for (let i = 0; i < n; ++i) { s = (s * 16807) % 2147483647; data[i] = s / 2147483647 * 2 - 1; }
    tensor = new ort.Tensor('float32', data, dims);
  }
  const feeds = { [name]: tensor };
  for (let i = 0; i < Number(opt.warmup); ++i) await session.run(feeds);
  const times = [];
  let result;
  for (let i = 0; i < Number(opt.iterations); ++i) {
    const t0 = process.hrtime.bigint();
    result = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  if (opt.output) {
    const out = result[session.outputNames[0]];
    writeNpy(opt.output, out.dims, out.data);
  }
  console.log(JSON.stringify({ median_ms: median, min_ms: times[0], max_ms: times[n - 1], iterations: n }));
}

main().catch(e => { console.error(`ort_run: error: ${e.message}`); process.exit(1); });
