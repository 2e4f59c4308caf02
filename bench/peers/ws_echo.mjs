// Benchmark peer: an echo server on the Node `ws` package, the most common WebSocket
// server in the wild. Usage: node bench/peers/ws_echo.mjs PORT [CERT KEY]
// With CERT and KEY (PEM files) it serves wss through node:https.
// `ws` comes from tests/js/node_modules (npm ci there), so the bench adds no dependency.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/js/package.json', import.meta.url));
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] ?? 9002);
const [cert, key] = process.argv.slice(3);
const options = { perMessageDeflate: false, clientTracking: false };
let server;
if (cert && key) {
  const https = createServer({ cert: readFileSync(cert), key: readFileSync(key) });
  server = new WebSocketServer({ ...options, server: https });
  https.listen(port, '127.0.0.1', () => console.log(`ws_echo listening on ${port} (wss)`));
} else {
  server = new WebSocketServer({ ...options, host: '127.0.0.1', port });
  server.on('listening', () => console.log(`ws_echo listening on ${port}`));
}
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => socket.terminate());
});
