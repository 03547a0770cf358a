// A server whose start burns CPU in one function (startupWork, START_MS ms, default 1500)
// and whose requests run another (handleRequest): the load window must hold the second
// and next to nothing of the first. PORT from the environment.
'use strict';
const http = require('http');

function startupWork(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 100000; i++) x += Math.sqrt(i + x % 7);
  return x;
}

function handleRequest(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sin(i) * Math.cos(i / 3);
  return s;
}

startupWork(Number(process.env.START_MS || 1500));
http.createServer((req, res) => {
  if (req.url === '/healthcheck') return res.end('ok'); // the readiness probe: no work
  res.end(String(handleRequest(200000)));
}).listen(Number(process.env.PORT || 8103), '127.0.0.1');
process.on('SIGINT', () => process.exit(0));
