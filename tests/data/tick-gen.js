// Writes a synthetic V8 tick log full of edge cases, for comparing medprof process with
// node --prof-process (tests/e2e/process_vs_node.sh). Usage: node tick-gen.js SEED TICKS > log
// With a third argument "extras" it adds what only --preprocess and --timed-range/--ptr read
// (tests/e2e/process_preprocess.sh): script-source and code-source-info records with every
// kind of escape, code-deopt before and after them, a function info that is no function,
// code inside a C++ symbol, and current-time records among the ticks. The extras draw from
// their own random numbers: the rest of the log is the same with or without them.
'use strict';
let seed = Number(process.argv[2] || 1) >>> 0 || 1;
const nticks = Number(process.argv[3] || 400);
const extras = process.argv[4] === 'extras';
let seed2 = (seed ^ 0x9e3779b9) >>> 0 || 7;
function rnd() { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; }
function rnd2() { seed2 ^= seed2 << 13; seed2 >>>= 0; seed2 ^= seed2 >>> 17; seed2 ^= seed2 << 5; seed2 >>>= 0; return seed2 / 4294967296; }
function pick2(a) { return a[Math.floor(rnd2() * a.length)]; }
function pick(a) { return a[Math.floor(rnd() * a.length)]; }
function hex(n) { return '0x' + n.toString(16); }
const out = [];
// V8_VERSION=10.2.154.26-node.39 (process.versions.v8 of another node): its record instead
// of node 20's, so that the log reads as that node's.
const v8 = (process.env.V8_VERSION || '11.3.244.8-node.38').match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)(.*)$/);
out.push(`v8-version,${v8[1]},${v8[2]},${v8[3]},${v8[4]},${v8[5]},0`);
out.push('v8-platform,linux,linux');
out.push('shared-library,/fake/libfoo.so,0x10000000,0x10010000,0');
out.push('shared-library,/fake/libbar.so,0x20000000,0x20008000,0');
out.push('shared-library,/fake/libfoo.so,0x10000000,0x10020000,0');
out.push('shared-library,[vdso],0x7ffc0000,0x7ffc2000,0');
out.push('shared-library-end');
// Script sources as V8 escapes them: \x2C for commas, \\ for backslashes, \n, \xHH for
// other control characters, \uHHHH for everything past ASCII (lone surrogates too).
const sources = ['let a = 1\\x2C b = 2;\\nconsole.log("hi\\\\n")', 'tab\\x09cr\\x0Dbs\\x08ff\\x0C\\x01\\x1F\\x7F',
  'esc \\u001b[31m red \\u2028 sep \\u00e9t\\u00e9 \\ud83d\\ude00', 'lone \\ud800 high\\x2C low \\udc00 end \\ud800',
  'quote " and \\\\ and / and <script>&amp;', ''];
const urls = ['node:internal/a', '/app/a.js', '/other/a.js', '', 'file:///x/y\\x2Cz.js', '/app/b.js', 'b.js',
  '/app/\\u00fcml.js'];
if (extras) {
  for (let id = 0; id < 14; id++) {
    if (rnd2() < 0.3) continue; // holes
    out.push(`script-source,${id},${pick2(urls)},${pick2(sources)}`);
  }
  out.push(`script-source,3,${pick2(urls)},${pick2(sources)}`);   // the same id again
  out.push('script-source,zz,/nan/id.js,x');                     // no array index
  out.push('script-source,-3,/neg/id.js,x');
  out.push('script-source,40,/app/a.js');                       // no source field
  out.push('script-source,41');                                 // no url: ignored
}
const names = ['fib /app/a.js:1:13', 'strWork /app/a.js:2:17', ' /app/a.js:1:1', '',
  'caf\\u00e9 /app/\\u00fcml.js:3:1', 'a\\x2Cb /app/c.js:4:4', 'emoji\\ud83d\\ude00 /x.js:1:1',
  'zeta /z.js:9:9', 'Zeta /z.js:9:9', 'back\\\\slash /b.js:1:1', 'new\\nline /n.js:1:1'];
const tags = ['Builtin', 'BytecodeHandler', 'Stub', 'Handler', 'LoadGlobalIC', 'RegExp', 'Eval', 'CPP', 'SHARED_LIB'];
const builtinNames = ['ArgumentsAdaptor', 'KeyedLoadIC_Megamorphic', 'StoreIC_Foo', 'CallIC', 'Wide', 'item\\\\d+5', 'X'];
// The last four: optimized code as node 24 ("+'", "*'") and node 26 ("o+", "o*'") mark it;
// older nodes skip such records (unknown code state).
const states = ['', '~', '^', '+', '*', '', '~', '^', '+', '*', "+'", "*'", 'o+', "o*'"];
const code = [];      // live-ish code starts (may be stale: that is the point)
let next = 0x30000000;
const sfis = [];
for (let i = 0; i < 12; i++) sfis.push(0x40000000 + i * 0x40);
for (let i = 0; i < 150; i++) {
  const r = rnd();
  const size = 16 + Math.floor(rnd() * 200);
  let start = next;
  if (rnd() < 0.15 && code.length) start = pick(code) + Math.floor(rnd() * 40); // overlaps
  else next += size + Math.floor(rnd() * 64);
  if (r < 0.55) {
    out.push(`code-creation,JS,10,${i},${hex(start)},${size},${pick(names)},${hex(pick(sfis))},${pick(states)}`);
    if (extras) sourceInfo(start);
  } else if (r < 0.6) {
    out.push(`code-creation,JS,10,${i},${hex(start)},${size},${pick(names)},${hex(pick(sfis))},?`);
  } else {
    out.push(`code-creation,${pick(tags)},2,${i},${hex(start)},${size},${pick(builtinNames)}`);
  }
  code.push(start);
  const m = rnd();
  if (m < 0.06) out.push(`code-move,${hex(pick(code))},${hex(next + 0x1000)}`), code.push(next + 0x1000), next += 0x2000;
  else if (m < 0.09) out.push(`code-move,${hex(0x5000000 + i)},${hex(next)}`);
  else if (m < 0.13) out.push(`code-delete,${hex(pick(code))}`);
  else if (m < 0.15) out.push(`code-delete,0x123`);
  else if (m < 0.18) out.push(`sfi-move,${hex(pick(sfis))},${hex(0x40000000 + Math.floor(rnd() * 16) * 0x40)}`);
  else if (m < 0.20) out.push(`code-deopt,1,2,${hex(pick(code))},0,0,soft,<x.js:1:1>,reason`);
  else if (m < 0.22) out.push(`unknown-record,${i}`);
}
function sourceInfo(start) {
  const r = rnd2();
  if (r < 0.15) out.push(`code-deopt,${start},9,${hex(start)},0,12,eager,<a.js:1:2>,not a Smi`);
  if (r < 0.6) {
    const fns = pick2(['', 'S' + hex(sfis[0]), 'S' + hex(sfis[1]) + 'S0x123S' + hex(sfis[2]), 'F' + hex(sfis[3]), 'S', 'Szz']);
    out.push(`code-source-info,${hex(start)},${Math.floor(rnd2() * 16)},${Math.floor(rnd2() * 100)},${100 + Math.floor(rnd2() * 100)},C0O0C4O12\\x2C,${pick2(['', 'F0O5', 'F1O7F0O9'])},${fns}`);
  }
  if (r > 0.5 && r < 0.6) out.push(`code-source-info,${hex(start)},1,2,3,C0O0,,`);       // replaces the source
  if (r > 0.6 && r < 0.65) out.push(`code-source-info,${hex(start)},1,2,3,C0O0,`);      // 7 fields: ignored
  if (r > 0.65 && r < 0.75) out.push(`code-deopt,${start},9,${hex(start)},1,2,soft`);  // short: keys left out
}
function addr() {
  const r = rnd();
  if (r < 0.45 && code.length) return hex(pick(code) + Math.floor(rnd() * 30));
  if (r < 0.62) return hex(0x10000100 + Math.floor(rnd() * 0x300));   // libfoo symbols
  if (r < 0.68) return hex(0x1000f000 + Math.floor(rnd() * 0x100));   // libfoo, no symbol
  if (r < 0.74) return hex(0x10018000 + Math.floor(rnd() * 0x100));   // second mapping only
  if (r < 0.80) return hex(0x20000000 + Math.floor(rnd() * 0x8000));  // libbar
  if (r < 0.84) return hex(0x7ffc0010);
  if (r < 0.90) return hex(0x40000000 + Math.floor(rnd() * 0x300));   // sfi region
  return hex(0x60000000 + Math.floor(rnd() * 0x1000));                // nothing
}
if (extras) {
  // A function info that is no function: the Builtin at 0x50000000 named like the code.
  out.push('code-creation,Builtin,2,1,0x50000000,64,Same');
  out.push('code-creation,JS,10,2,0x50001000,32,Same,0x50000000,~');
  out.push('code-creation,JS,10,3,0x50002000,32,other /o.js:1:1,0x50000040,*');
  out.push('code-source-info,0x50001000,1,0,10,C0O0,,');
  // Code inside a C++ symbol of libfoo takes its element; a deopt and a source follow it.
  out.push('code-creation,Builtin,2,4,0x10000110,16,InLib');
  out.push('code-deopt,5,16,0x10000110,0,0,lazy,<x>,why');
  out.push('code-source-info,0x10000110,2,0,10,C0O0,,');
  out.push(`code-creation,JS,10,6,0x50003000,32,lone\\ud800x /l.js:1:1,${hex(sfis[5])},^`);
}
for (let i = 0; i < nticks; i++) {
  if (extras && rnd2() < 0.015) out.push(`current-time,${1000 * i}`);
  if (extras && i % 97 == 50) out.push(`tick,0x50001004,${1000 * i},0,0x0,0,0x50002008,0x10000114`);
  const frames = [];
  const nf = Math.floor(rnd() * 9);
  for (let k = 0; k < nf; k++) {
    const r = rnd();
    if (r < 0.05) frames.push('+0x10');
    else if (r < 0.07) frames.push('-0x8');
    else frames.push(addr());
  }
  if (rnd() < 0.03) frames.unshift('overflow');
  const ext = rnd() < 0.08 ? 1 : 0;
  const tos = rnd() < 0.3 ? addr() : '0x0';
  const vm = rnd() < 0.6 ? 0 : Math.floor(rnd() * 11); // 7 ATOMICS_WAIT, 8 IDLE, 9 LOGGING, 10 IDLE_EXTERNAL
  const t = rnd();
  if (t < 0.05) out.push(`active-runtime-timer,${pick(['GC_Scavenge', 'RecompileSynchronous', 'Compile\\x2Cx'])}`);
  else if (t < 0.08) out.push(`timer-event-${pick(['start', 'end'])},V8.Execute,${1000 * i}`);
  out.push(['tick', addr(), 1000 * i, ext, tos, vm, ...frames].join(','));
  if (rnd() < 0.02) out.push(`code-creation,Builtin,2,${i},${hex(pick(code))},${40},${pick(builtinNames)}`);
}
process.stdout.write(out.join('\n') + '\n');
