import { strict as assert } from "assert";
import { toShared, sharedArray, runKernel, defaultThreads, ThreadPool, workerSource } from "../lib/threads";
import { topKPush, topKDrain, TOP_K_HELPERS } from "../lib/topk";
import { OP, uleb, sleb, memarg, bump, whileBelow, assembleWasm, compileWasm, sharedWasmMemory, growWasmMemory, instantiateWasm } from "../lib/wasm";

/** A seeded linear congruential generator in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe("threads: shared memory, kernels on every core, a worker pool", () => {
  it("toShared copies onto a SharedArrayBuffer once; sharedArray is zero-filled", () => {
    const a = toShared(Int32Array.of(5, -1, 7));
    assert.ok(a.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(Array.from(a), [5, -1, 7]);
    assert.equal(toShared(a), a);
    const z = sharedArray(Float64Array, 0);
    assert.ok(z.buffer instanceof SharedArrayBuffer && z.length === 1, "an empty request still gets one element");
  });

  it("runKernel: every row done once over two threads, helpers calling each other by name in the workers", () => {
    const n = 20000;
    const out = sharedArray(Float64Array, n), hits = sharedArray(Int32Array, n);
    const kernel = (job: { n: number; out: Float64Array; hits: Int32Array; counter: Int32Array }, h: { cube: (x: number) => number }) => {
      for (let r = Atomics.add(job.counter, 0, 7); r < job.n; r = Atomics.add(job.counter, 0, 7))
        for (let q = r; q < Math.min(job.n, r + 7); q++) {
          job.out[q] = h.cube(q);
          Atomics.add(job.hits, q, 1);
        }
    };
    const square = (x: number) => x * x;
    const cube = (x: number) => x * square(x);
    runKernel(kernel, { n, out, hits, counter: sharedArray(Int32Array, 1) }, 2, { square, cube });
    assert.ok(hits.every((h) => h === 1));
    assert.equal(out[n - 1], (n - 1) ** 3);
  });

  it("runKernel: an error on a worker thread fails the call with the worker's message", () => {
    const kernel = () => {
      if (!require("worker_threads").isMainThread) throw new Error("worker says no");
    };
    assert.throws(() => runKernel(kernel, {}, 2), /a worker failed: Error: worker says no/);
  });

  it("ThreadPool: one message per thread, replies in order, workers built by workerSource", async () => {
    const main = (add: (a: number, b: number) => number) => {
      const { parentPort, workerData } = require("worker_threads");
      parentPort.on("message", (x: number) => {
        if (x < 0) throw new Error(`negative ${x}`);
        parentPort.postMessage(add(x, workerData.offset));
      });
    };
    const pool = new ThreadPool(workerSource(main, (a: number, b: number) => a + b), { offset: 100 }, 2);
    try {
      assert.equal(pool.size, 2);
      assert.deepEqual(await pool.all<number>([1, 2]), [101, 102]);
      assert.deepEqual(await pool.all<number>([5]), [105]);
      await assert.rejects(pool.all([-1, 3]), /negative -1/);
    } finally {
      await pool.close();
    }
    assert.ok(defaultThreads() >= 1);
  });
});

describe("topk: the bounded heap", () => {
  it("keeps the k largest of a stream, drained best first, as a full sort would (random, with ties)", () => {
    const random = lcg(3);
    for (const [n, k] of [[0, 3], [2, 5], [50, 1], [500, 20], [1000, 200]]) {
      const scores = Array.from({ length: n }, () => Math.floor(random() * 40) / 4);
      const hs = new Float64Array(k), hi = new Float64Array(k);
      let size = 0;
      scores.forEach((s, i) => (size = topKPush(hs, hi, size, k, s, i)));
      assert.equal(size, Math.min(n, k));
      const outS = new Float32Array(k + 2).fill(-1), outI = new Int32Array(k + 2).fill(-1);
      topKDrain(hs, hi, size, outS, outI, 2);
      const expected = [...scores].sort((a, b) => b - a).slice(0, size);
      assert.deepEqual(Array.from(outS.subarray(2, 2 + size)), expected);
      for (let j = 0; j < size; j++) assert.equal(scores[outI[2 + j]], outS[2 + j], "each item carries its own score");
      assert.equal(new Set(outI.subarray(2, 2 + size)).size, size, "no item twice");
    }
  });

  it("a candidate equal to the smallest kept score does not displace it", () => {
    const hs = new Float64Array(2), hi = new Float64Array(2);
    let size = 0;
    for (const [s, i] of [[1, 0], [2, 1], [1, 2]]) size = topKPush(hs, hi, size, 2, s, i);
    const outI = [0, 0], outS = [0, 0];
    topKDrain(hs, hi, size, outS, outI, 0);
    assert.deepEqual(outI, [1, 0]);
  });

  it("works inside a kernel on worker threads through TOP_K_HELPERS", () => {
    const rows = 64, width = 300, k = 10;
    const random = lcg(9);
    const data = toShared(Float32Array.from({ length: rows * width }, () => random()));
    const outS = sharedArray(Float32Array, rows * k), outI = sharedArray(Int32Array, rows * k);
    const kernel = (job: { data: Float32Array; outS: Float32Array; outI: Int32Array; counter: Int32Array }, h: typeof TOP_K_HELPERS) => {
      const hs = new Float64Array(10), hi = new Float64Array(10);
      for (let r = Atomics.add(job.counter, 0, 1); r < 64; r = Atomics.add(job.counter, 0, 1)) {
        let size = 0;
        for (let c = 0; c < 300; c++) size = h.topKPush(hs, hi, size, 10, job.data[r * 300 + c], c);
        h.topKDrain(hs, hi, size, job.outS, job.outI, r * 10);
      }
    };
    runKernel(kernel, { data, outS, outI, counter: sharedArray(Int32Array, 1) }, 2, TOP_K_HELPERS);
    for (let r = 0; r < rows; r++) {
      const expected = Array.from(data.subarray(r * width, (r + 1) * width)).sort((a, b) => b - a).slice(0, k);
      assert.deepEqual(Array.from(outS.subarray(r * k, (r + 1) * k)), expected);
    }
  });
});

describe("wasm: modules from named opcodes", () => {
  it("LEB128 encodings", () => {
    assert.deepEqual(uleb(0), [0]);
    assert.deepEqual(uleb(127), [127]);
    assert.deepEqual(uleb(128), [0x80, 1]);
    assert.deepEqual(uleb(2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(sleb(63), [63]);
    assert.deepEqual(sleb(64), [0xc0, 0]);
    assert.deepEqual(sleb(-1), [0x7f]);
    assert.deepEqual(sleb(-65), [0xbf, 0x7f]);
  });

  it("assembles and runs a loop over a shared memory from two threads, and grows the memory keeping views", () => {
    const { GET, SET } = OP;
    // sum(p, pe) of 32-bit integers, and scale(p, pe, by): x *= by in place
    const module = compileWasm(assembleWasm([
      { name: "sum", params: [OP.I32, OP.I32], results: [OP.I32], locals: [OP.I32],
        body: [...whileBelow(0, 1, [GET, 2, GET, 0, OP.I32_LOAD, ...memarg(2), OP.I32_ADD, SET, 2, ...bump(0, 4)]), GET, 2] },
      { name: "scale", params: [OP.I32, OP.I32, OP.I32], results: [],
        body: whileBelow(0, 1, [GET, 0, GET, 0, OP.I32_LOAD, ...memarg(2), GET, 2, OP.I32_MUL, OP.I32_STORE, ...memarg(2), ...bump(0, 4)]) },
    ], { shared: true }));
    assert.ok(module, "compiles on this platform");
    const memory = sharedWasmMemory(4 * 1000)!;
    const view = new Int32Array(memory.buffer, 0, 1000);
    view.forEach((_, i) => (view[i] = i));
    const f = instantiateWasm(module!, memory);
    assert.equal(f.sum(0, 4000), (999 * 1000) / 2);
    f.scale(4, 12, 3);
    assert.deepEqual(Array.from(view.subarray(0, 4)), [0, 3, 6, 3]);
    assert.ok(growWasmMemory(memory, 5 * 65536));
    assert.ok(memory.buffer.byteLength >= 5 * 65536);
    assert.equal(view[2], 6, "a view made before growing still reads the memory");
    const kernel = (job: { module: object; memory: { buffer: ArrayBufferLike }; out: Int32Array; counter: Int32Array }) => {
      const sum = new (globalThis as any).WebAssembly.Instance(job.module, { e: { m: job.memory } }).exports.sum;
      for (let r = Atomics.add(job.counter, 0, 1); r < 10; r = Atomics.add(job.counter, 0, 1)) job.out[r] = sum(r * 400, (r + 1) * 400);
    };
    const out = sharedArray(Int32Array, 10);
    runKernel(kernel, { module: module!, memory, out, counter: sharedArray(Int32Array, 1) }, 2);
    assert.equal(out.reduce((a, b) => a + b, 0), f.sum(0, 4000));
  });

  it("an unshared memory import, SIMD, and null for what the platform cannot compile", () => {
    const { GET } = OP;
    // dot4(p, q): the four-lane f32 dot product of the vectors at p and q
    const lanes = [0, 1, 2, 3].flatMap((l) => [GET, 2, ...OP.F32X4_EXTRACT_LANE, l]);
    const module = compileWasm(assembleWasm([{
      name: "dot4", params: [OP.I32, OP.I32], results: [OP.F32], locals: [OP.V128],
      body: [GET, 0, ...OP.V128_LOAD, ...memarg(2), GET, 1, ...OP.V128_LOAD, ...memarg(2), ...OP.F32X4_MUL, OP.SET, 2, ...lanes, OP.F32_ADD, OP.F32_ADD, OP.F32_ADD],
    }], { shared: false }));
    assert.ok(module);
    const memory = new (globalThis as any).WebAssembly.Memory({ initial: 1 });
    new Float32Array(memory.buffer, 0, 8).set([1, 2, 3, 4, 10, 20, 30, 40]);
    assert.equal(instantiateWasm(module!, memory).dot4(0, 16), 300);
    assert.equal(compileWasm(Uint8Array.of(1, 2, 3)), null);
    assert.equal(sharedWasmMemory(2 ** 33), null, "beyond a 32-bit memory");
  });
});
