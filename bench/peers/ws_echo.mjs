// Benchmark peer: an echo server on the Node `ws` package, the most common WebSocket
// server in the wild. Usage: node bench/peers/ws_echo.mjs PORT
// `ws` comes from tests/js/node_modules (npm ci there), so the bench adds no dependency.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/js/package.json', import.meta.url));
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] ?? 9002);
const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, clientTracking: false });
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => socket.terminate());
});
server.on('listening', () => console.log(`ws_echo listening on ${port}`));
