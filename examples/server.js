// examples/server.js - a small FHIR-flavoured HTTP server to profile with medprof.
//
//   PORT=8103 node examples/server.js
//
// GET /healthcheck           {"ok":true}                         (cheap, the seed's endpoint)
// GET /Patient?name=smi      a FHIR searchset Bundle of matching patients (CPU-heavy: scans,
//                            scores and serialises a generated population)
// GET /Patient/<id>          one Patient resource, or a 404 OperationOutcome
// GET /Observation?patient=<id>  that patient's observations, with summary statistics
// GET /stats                 how many requests this process has served, by path
//
// Plain `http`, no npm dependencies. On SIGINT/SIGTERM it prints the request counts to
// stderr and exits 0, so a test can compare them with what the load generator reports.
'use strict';
const http = require('http');

const PORT = Number(process.env.PORT || 8103);
const HOST = process.env.HOST || undefined; // all interfaces, as node does by default
const POPULATION = Number(process.env.PATIENTS || 5000);

// A deterministic population: the same names and ids on every start.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
const GIVEN = ['Ada', 'Alan', 'Grace', 'Linus', 'Barbara', 'Dennis', 'Margaret', 'Ken',
  'Frances', 'Edsger', 'Radia', 'Donald', 'Shafi', 'Tim', 'Hedy', 'John'];
const FAMILY = ['Smith', 'Smythe', 'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Liskov',
  'Ritchie', 'Hamilton', 'Thompson', 'Allen', 'Dijkstra', 'Perlman', 'Knuth', 'Goldwasser'];

function makePatients(n) {
  const rand = rng(42);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      resourceType: 'Patient',
      id: 'p' + i,
      name: [{ family: pick(FAMILY), given: [pick(GIVEN), pick(GIVEN)] }],
      gender: rand() < 0.5 ? 'female' : 'male',
      birthDate: `${1930 + Math.floor(rand() * 90)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`,
      observations: Array.from({ length: 8 }, (_, k) => ({
        code: ['8867-4', '8480-6', '8462-4', '29463-7'][k % 4],
        value: Math.round(40 + rand() * 120),
      })),
    });
  }
  return out;
}
const patients = makePatients(POPULATION);
const byId = new Map(patients.map((p) => [p.id, p]));

// Edit distance between a query and a name: the deliberate hot spot of /Patient search.
function distance(a, b) {
  const prev = new Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

function scorePatient(p, query) {
  const family = p.name[0].family.toLowerCase();
  if (family.startsWith(query)) return 0;
  return distance(query, family.slice(0, query.length + 1));
}

function searchPatients(query, count) {
  const q = query.toLowerCase();
  const hits = [];
  for (const p of patients) {
    const score = scorePatient(p, q);
    if (score <= 1) hits.push({ score, p });
  }
  hits.sort((x, y) => x.score - y.score || (x.p.id < y.p.id ? -1 : 1));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: hits.length,
    entry: hits.slice(0, count).map((h) => ({
      fullUrl: `Patient/${h.p.id}`,
      resource: { resourceType: 'Patient', id: h.p.id, name: h.p.name, gender: h.p.gender,
        birthDate: h.p.birthDate },
      search: { mode: 'match', score: 1 / (1 + h.score) },
    })),
  };
}

function observationSummary(p) {
  const byCode = {};
  for (const o of p.observations) (byCode[o.code] ||= []).push(o.value);
  return Object.entries(byCode).map(([code, values]) => ({
    code, count: values.length,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    max: Math.max(...values),
  }));
}

const served = { total: 0 };
function count(key) {
  served.total++;
  served[key] = (served[key] || 0) + 1;
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/fhir+json',
    'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function notFound(what) {
  return { resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'not-found', diagnostics: `${what} not found` }] };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname;
  if (path === '/healthcheck') {
    count('healthcheck');
    return send(res, 200, { ok: true });
  }
  if (path === '/Patient') {
    count('patient-search');
    const name = url.searchParams.get('name') || '';
    return send(res, 200, searchPatients(name, Number(url.searchParams.get('_count') || 20)));
  }
  if (path.startsWith('/Patient/')) {
    count('patient-read');
    const p = byId.get(path.slice('/Patient/'.length));
    return p ? send(res, 200, p) : send(res, 404, notFound(path.slice(1)));
  }
  if (path === '/Observation') {
    count('observation');
    const p = byId.get(url.searchParams.get('patient') || '');
    return p ? send(res, 200, { patient: p.id, summary: observationSummary(p) })
             : send(res, 404, notFound('patient'));
  }
  if (path === '/stats') return send(res, 200, served);
  count('other');
  return send(res, 404, notFound(path));
});

function shutdown(signal) {
  process.stderr.write(`server.js: ${signal}: served ${JSON.stringify(served)}\n`);
  server.close();
  process.exit(0);
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

server.listen(PORT, HOST, () => {
  process.stderr.write(`server.js: listening on port ${PORT}, pid ${process.pid}\n`);
});
