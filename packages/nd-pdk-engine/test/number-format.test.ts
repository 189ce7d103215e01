import { beforeAll, describe, expect, test } from "vitest";

import { EVAL_TOOL_WASM } from "../scripts/build-engine.mjs";
import { evaluateInQuickjs } from "./support/eval-tool.js";
import { SKIP_ENGINE } from "./support/skip.js";


// Runs identically in V8 and in QuickJS, so both format the same calls.
const FORMAT_ALL_SOURCE = `function formatAll(x) {
  var results = { toString: [String(x)], toFixed: [], toPrecision: [], toExponential: [x.toExponential()] };
  var fixed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 25, 50, 100];
  var precision = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 30, 50, 100];
  for (var i = 0; i < fixed.length; i++) results.toFixed.push(x.toFixed(fixed[i]));
  for (var j = 0; j < precision.length; j++) {
    results.toPrecision.push(x.toPrecision(precision[j]));
    results.toExponential.push(x.toExponential(precision[j] - 1));
  }
  return results;
}`;

type Formatted = Record<"toString" | "toFixed" | "toPrecision" | "toExponential", string[]>;

const formatAllInV8 = new Function(`${FORMAT_ALL_SOURCE}; return formatAll;`)() as (x: number) => Formatted;

/** A small deterministic generator (mulberry32), so failures reproduce. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bitsOf(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}

/** Values that stress rounding: exact ties at many positions, near-ties, extremes and random bits. */
function testValues(): number[] {
  const values = [
    0, -0, 0.5, 1.5, 2.5, -0.5, -2.5, 1.005, 1.45, 1.55, 2.675, 0.125, 0.375, 8.345, 1.0e-7, 123.456, 9.995, 99.5, 999.5,
    0.05, 0.15, 0.25, 0.35, 1e21, 9.99e20, 1e-6, 1e-7, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
    2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 4.35, 0.1 + 0.2, 1 / 3, 2 / 3, Math.PI, Math.E, 1e300, 123456789012345680000,
  ];
  const random = createRandom(0x5eed);
  for (let i = 0; i < 400; i++) {
    // Dyadic rationals: exact binary values, so every one has exact decimal ties somewhere.
    const numerator = Math.floor(random() * 2 ** 20) * (random() < 0.5 ? -1 : 1);
    values.push(numerator / 2 ** Math.floor(random() * 24));
  }
  for (let i = 0; i < 400; i++) {
    // Short decimals, which are rarely exact in binary, so they sit just off a tie.
    values.push(Math.round(random() * 10 ** 6) / 10 ** Math.floor(random() * 8));
  }
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 600; i++) {
    view.setUint32(0, Math.floor(random() * 2 ** 32));
    view.setUint32(4, Math.floor(random() * 2 ** 32));
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) values.push(x);
  }
  return values;
}

describe.skipIf(SKIP_ENGINE)("number formatting of the QuickJS build", () => {
  const values = testValues();
  let quickjsResults: Formatted[] = [];

  beforeAll(async () => {
    const script = `${FORMAT_ALL_SOURCE}
      var bits = ${JSON.stringify(values.map(bitsOf))};
      var view = new DataView(new ArrayBuffer(8));
      var results = [];
      for (var i = 0; i < bits.length; i++) {
        view.setUint32(0, parseInt(bits[i].slice(0, 8), 16));
        view.setUint32(4, parseInt(bits[i].slice(8), 16));
        results.push(formatAll(view.getFloat64(0)));
      }
      JSON.stringify(results);`;
    quickjsResults = JSON.parse(await evaluateInQuickjs(EVAL_TOOL_WASM, script)) as Formatted[];
  }, 300_000);

  test.each(["toString", "toFixed", "toPrecision", "toExponential"] as const)("%s matches V8", (method) => {
    expect(quickjsResults).toHaveLength(values.length);
    const mismatches: string[] = [];
    let compared = 0;
    values.forEach((x, index) => {
      const expected = formatAllInV8(x)[method];
      const actual = quickjsResults[index]![method];
      expected.forEach((text, call) => {
        compared++;
        if (actual[call] !== text) mismatches.push(`${bitsOf(x)} (${x}) call ${call}: V8 ${text}, QuickJS ${actual[call]}`);
      });
    });
    expect(compared).toBeGreaterThanOrEqual(values.length);
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  test("the examples from the ECMAScript rounding rule", async () => {
    const output = await evaluateInQuickjs(EVAL_TOOL_WASM, "[(0.5).toFixed(0), (1.005).toFixed(2), (2.5).toFixed(0), (1.45).toFixed(1), (-2.5).toFixed(0), (99.5).toPrecision(2)].join(' ')");
    expect(output).toBe("1 1.00 3 1.4 -3 1.0e+2");
  });
});
