// Benchmark peer: the subset of the wshub protocol that `wshub-bench fanout` uses, on the
// Node `ws` package. Usage: node bench/peers/ws_pubsub.mjs PORT [API_KEY]
//   {"type":"subscribe","id":N,"channel":C}  -> {"type":"subscribed","id":N,"channel":C}
//   {"type":"publish","id":N,"channel":C,"message_type":T,"payload":P}
//        -> {"type":"ack","id":N,"offset":O} to the publisher, and to every subscriber of C
//           {"type":T,"channel":C,"offset":O,"payload":P,"from":{"client":..,"user":""}}
//   POST /api/publish (Authorization: apikey API_KEY) {"channel":C,"type":T,"payload":P}
//        -> 200 {"offset":O} and the same delivery
// A subscriber with more than 1 MiB unsent is disconnected, as wshub does with
// websocket.max_outbound_buffer, so an overloaded run cannot grow without bound.
// `ws` comes from tests/js/node_modules (npm ci there), so the bench adds no dependency.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/js/package.json', import.meta.url));
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] ?? 9003);
const apiKey = process.argv[3] ?? '';
const kMaxBuffered = 1 << 20;
const channels = new Map(); // name -> { offset, subscribers: Set }
let nextClient = 1;

function channel(name) {
  let c = channels.get(name);
  if (!c) channels.set(name, (c = { offset: 0, subscribers: new Set() }));
  return c;
}

// The payload is passed through as the JSON text it arrived as (no re-encoding).
function rawPayload(text) {
  const at = text.indexOf('"payload":');
  if (at < 0) return 'null';
  let i = at + 10;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      if (depth === 0) break;
      if (--depth === 0) { i++; break; }
    } else if (ch === ',' && depth === 0) break;
  }
  return text.slice(start, i);
}

function publish(name, type, payloadText, from) {
  const c = channel(name);
  const offset = ++c.offset;
  const delivery = `{"type":${JSON.stringify(type)},"channel":${JSON.stringify(name)},"offset":${offset},` +
    `"payload":${payloadText},"from":{"client":"${from}","user":""}}`;
  for (const s of c.subscribers) {
    if (s.bufferedAmount > kMaxBuffered) { s.terminate(); continue; }
    s.send(delivery);
  }
  return offset;
}

const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/publish') { res.writeHead(404).end(); return; }
  if (req.headers.authorization !== `apikey ${apiKey}`) { res.writeHead(401).end(); return; }
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    const text = Buffer.concat(parts).toString();
    let body;
    try { body = JSON.parse(text); } catch { res.writeHead(400).end(); return; }
    const offset = publish(body.channel, body.type ?? 'message', rawPayload(text), 'api');
    const reply = `{"offset":${offset}}`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': reply.length }).end(reply);
  });
});

const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (socket) => {
  const client = String(nextClient++);
  const subscribed = new Set();
  socket.on('message', (data) => {
    const text = data.toString();
    let m;
    try { m = JSON.parse(text); } catch { socket.close(1007); return; }
    if (m.type === 'subscribe') {
      channel(m.channel).subscribers.add(socket);
      subscribed.add(m.channel);
      socket.send(`{"type":"subscribed","id":${m.id},"channel":${JSON.stringify(m.channel)}}`);
    } else if (m.type === 'publish') {
      const offset = publish(m.channel, m.message_type ?? 'message', rawPayload(text), client);
      socket.send(`{"type":"ack","id":${m.id},"offset":${offset}}`);
    } else {
      socket.send(`{"type":"error","id":${m.id ?? 0},"code":400,"message":"unsupported"}`);
    }
  });
  socket.on('close', () => { for (const name of subscribed) channel(name).subscribers.delete(socket); });
  socket.on('error', () => socket.terminate());
});
http.listen(port, '127.0.0.1', () => console.log(`ws_pubsub listening on ${port}`));
