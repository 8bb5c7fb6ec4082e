// Test oracle: answers a batch of crypto questions with circomlibjs, the reference the Python model
// (orchestrator/crypto) must agree with bit for bit.
//
// stdin:  {"requests": [{"op": "...", ...}, ...]}   stdout: {"results": [...]} (same order)
// Integers travel as decimal strings, byte strings as hex. One process answers the whole batch so a
// test pays node's start-up once. The script ends by letting node exit on its own: process.exit()
// right after a large write can cut stdout at the pipe buffer (64 KB).
//
// circomlibjs is resolved from ORACLE_NODE_MODULES_ROOT (the repo root holding node_modules), else
// from two folders above this file.
"use strict";

const fs = require("fs");
const path = require("path");

const root = process.env.ORACLE_NODE_MODULES_ROOT || path.resolve(__dirname, "..", "..");
const circomlibjsMain = require.resolve("circomlibjs", { paths: [root] });
const circomlibjs = require(circomlibjsMain);
const createBlakeHash = require(require.resolve("blake-hash", { paths: [root] }));

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

async function main() {
  const request = JSON.parse(await readStdin());
  // Build only what the batch needs: buildEddsa alone costs ~1.7 s (it also builds Pedersen and MiMC).
  const needs = new Set(request.requests.map((r) => r.op));
  const want = (...names) => names.some((n) => needs.has(n));
  const poseidon = want("poseidon") ? await circomlibjs.buildPoseidon() : null;
  const poseidonRef = want("poseidon_reference") ? await circomlibjs.buildPoseidonReference() : null;
  const eddsa = want("prv2pub", "sign", "verify", "pack_signature") ? await circomlibjs.buildEddsa() : null;
  const babyJub = eddsa ? eddsa.babyJub : await circomlibjs.buildBabyjub();
  const F = babyJub.F;

  const big = (s) => BigInt(s);
  const dec = (fe) => F.toObject(fe).toString();
  const pointOut = (p) => [dec(p[0]), dec(p[1])];
  const pointIn = (p) => [F.e(big(p[0])), F.e(big(p[1]))];
  const hex = (u8) => Buffer.from(u8).toString("hex");
  const sigIn = (s) => ({ R8: pointIn(s.R8), S: big(s.S) });

  const ops = {
    poseidon: (r) => dec(poseidon(r.inputs.map(big))),
    poseidon_reference: (r) => dec(poseidonRef(r.inputs.map(big))),
    // The plain (unoptimised) constants circomlibjs ships, for comparison with ours.
    poseidon_constants: () => {
      // Not an exported subpath: read it next to the package's CommonJS build.
      const file = path.join(path.dirname(circomlibjsMain), "..", "src", "poseidon_constants.json");
      const c = JSON.parse(fs.readFileSync(file, "utf8"));
      return { C: c.C.map((row) => row.map((v) => BigInt(v).toString())),
               M: c.M.map((m) => m.map((row) => row.map((v) => BigInt(v).toString()))) };
    },
    blake512: (r) => createBlakeHash("blake512").update(Buffer.from(r.data, "hex")).digest("hex"),
    prv2pub: (r) => pointOut(eddsa.prv2pub(Buffer.from(r.prv, "hex"))),
    sign: (r) => {
      const sig = eddsa.signPoseidon(Buffer.from(r.prv, "hex"), F.e(big(r.msg)));
      return { R8: pointOut(sig.R8), S: sig.S.toString() };
    },
    verify: (r) => eddsa.verifyPoseidon(F.e(big(r.msg)), sigIn(r.sig), pointIn(r.A)),
    pack_signature: (r) => hex(eddsa.packSignature(sigIn(r.sig))),
    pack_point: (r) => hex(babyJub.packPoint(pointIn(r.point))),
    unpack_point: (r) => {
      const p = babyJub.unpackPoint(Buffer.from(r.data, "hex"));
      return p === null ? null : pointOut(p);
    },
    add: (r) => pointOut(babyJub.addPoint(pointIn(r.p), pointIn(r.q))),
    mul: (r) => pointOut(babyJub.mulPointEscalar(pointIn(r.point), big(r.k))),
    in_curve: (r) => babyJub.inCurve(pointIn(r.point)),
    in_subgroup: (r) => babyJub.inSubgroup(pointIn(r.point)),
    constants: () => ({
      Generator: pointOut(babyJub.Generator),
      Base8: pointOut(babyJub.Base8),
      order: babyJub.order.toString(),
      subOrder: babyJub.subOrder.toString(),
      A: dec(babyJub.A),
      D: dec(babyJub.D),
    }),
  };

  const results = request.requests.map((r) => {
    const fn = ops[r.op];
    if (!fn) throw new Error(`unknown op ${r.op}`);
    return fn(r);
  });
  process.stdout.write(JSON.stringify({ results }));
}

main().catch((err) => {
  process.stderr.write(`circomlib_oracle: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
