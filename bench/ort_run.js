#!/usr/bin/env node
// Runs a model with ONNX Runtime (CPU, the npm package onnxruntime-node) and
// prints one JSON line of timings; optionally writes the first output as .npy.
//
//   node bench/ort_run.js MODEL.onnx [--threads N] [--iterations K] [--warmup W]
//                         [--min-iterations M] [--seconds S] [--batch B]
//                         [--input FILE.npy] [--output FILE.npy]
//
// Graph optimisation is at the highest level ('all') and N is the intra-op
// thread count (the calling thread included, as ORT counts). The input's
// shape comes from FILE.npy, so any batch runs on a model with a symbolic
// batch dimension. Warm-up and timing stop early as bench/cvc_time.c does:
// warm-up after W runs or S/2 seconds (at least one run), timing after K runs,
// or after S seconds once M runs are done. peak_rss_mb is the process's peak
// resident memory.
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

// This process's VmHWM (see bench/cvc_time.c for why not getrusage).
function peakRssMb() {
  const m = fs.readFileSync('/proc/self/status', 'latin1').match(/VmHWM:\s*(\d+)/);
  return m ? Number(m[1]) / 1024 : null;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = { threads: 1, iterations: 10, warmup: 2, batch: 1, 'min-iterations': 5, seconds: 1e9 };
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
  const seconds = Number(opt.seconds), now = () => Number(process.hrtime.bigint()) / 1e9;
  let start = now();
  for (let i = 0; i < Number(opt.warmup) && (i === 0 || now() - start < seconds / 2); ++i) {
    await session.run(feeds);
  }
  const times = [];
  let result;
  start = now();
  while (times.length < Number(opt.iterations) &&
         (times.length < Number(opt['min-iterations']) || now() - start < seconds)) {
    const t0 = process.hrtime.bigint();
    result = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  // Linear interpolation between order statistics, as numpy's percentile.
  const percentile = q => {
    const pos = q * (n - 1), i = Math.floor(pos);
    return i + 1 < n ? times[i] + (pos - i) * (times[i + 1] - times[i]) : times[n - 1];
  };
  if (opt.output) {
    const out = result[session.outputNames[0]];
    writeNpy(opt.output, out.dims, out.data);
  }
  console.log(JSON.stringify({
    median_ms: percentile(0.5), min_ms: times[0], max_ms: times[n - 1],
    mean_ms: times.reduce((a, b) => a + b, 0) / n, p10_ms: percentile(0.1),
    p90_ms: percentile(0.9), iterations: n, batch: tensor.dims[0], threads: Number(opt.threads),
    peak_rss_mb: peakRssMb(),
    version: ort.env.versions.common,
  }));
}

main().catch(e => { console.error(`ort_run: error: ${e.message}`); process.exit(1); });
