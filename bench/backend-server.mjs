// Minimal HTTP backends for bench/nginx.ts: one process, one server per port given in argv.
// Counts accepted TCP connections per server; replies to the parent's 'count' messages.
import { createServer } from 'node:http';

const ports = process.argv.slice(2).map(Number);
const accepted = new Map(ports.map((p) => [p, 0]));
for (const port of ports) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"instance":"backend-${port}"}`);
  });
  server.keepAliveTimeout = 5000; // uvicorn's default, which nginx's keepalive_timeout must stay under
  server.on('connection', () => accepted.set(port, accepted.get(port) + 1));
  server.listen(port, '127.0.0.1');
}
process.on('message', (m) => {
  if (m === 'count') process.send(Object.fromEntries(accepted));
  if (m === 'reset') {
    for (const p of ports) accepted.set(p, 0);
    process.send('reset');
  }
});
process.send('ready');
