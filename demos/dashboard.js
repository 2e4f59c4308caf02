// Live dashboard: node numbers from /admin/live (the admin page's socket: a `stats`
// message every second), and a round-trip time measured with the SDK (publish into a
// channel of this page's own and time the publication coming back).
import { WshubClient, devSession, userName } from "./common.js";

const POINTS = 60;
const SVG = "http://www.w3.org/2000/svg";
const series = { connections: [], in: [], out: [], latency: [] };

function show(id, value, digits = 0) {
  const node = document.getElementById(`stat-${id}`);
  node.textContent = value === null ? "–" : value.toLocaleString(undefined, { maximumFractionDigits: digits });
  node.dataset.value = value === null ? "" : String(value);
}

function chart(id, values) {
  const svg = document.getElementById(`chart-${id}`);
  const max = Math.max(1, ...values) * 1.15;
  const pts = values.map((v, i) => `${POINTS - values.length + i},${(100 - (v / max) * 100).toFixed(2)}`);
  const area = document.createElementNS(SVG, "polygon");
  const line = document.createElementNS(SVG, "polyline");
  const axis = document.createElementNS(SVG, "line");
  if (pts.length > 0) {
    area.setAttribute("points", `${POINTS - values.length},100 ${pts.join(" ")} ${POINTS - 1},100`);
    line.setAttribute("points", pts.join(" "));
  }
  line.id = `line-${id}`;
  for (const [k, v] of Object.entries({ x1: 0, y1: 99.5, x2: POINTS, y2: 99.5 })) axis.setAttribute(k, v);
  axis.setAttribute("class", "axis");
  svg.replaceChildren(area, axis, line);
}

function push(key, value) {
  const s = series[key];
  s.push(value);
  if (s.length > POINTS) s.shift();
  chart(key, s);
}

// The node's numbers.
const status = document.getElementById("status");
function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function live(secret) {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/admin/live`);
  socket.onopen = () => socket.send(JSON.stringify({ type: "login", secret }));
  socket.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "welcome") {
      setStatus("connected", "live");
      document.getElementById("login").classList.add("hidden");
      document.getElementById("node").textContent = `node ${m.node} · wshub ${m.version} · ${m.workers} workers`;
    } else if (m.type === "stats") {
      show("connections", m.connections);
      show("in", m.messages_in_per_second, 1);
      show("out", m.messages_out_per_second, 1);
      push("connections", m.connections);
      push("in", m.messages_in_per_second);
      push("out", m.messages_out_per_second);
    } else if (m.type === "error") {
      document.getElementById("login-error").textContent = m.message ?? "refused";
    }
  };
  socket.onclose = (e) => {
    setStatus("disconnected", "offline");
    if (e.code === 4001) {  // wrong secret: ask
      document.getElementById("login").classList.remove("hidden");
      document.getElementById("login-error").textContent = "Wrong password.";
    } else {
      setTimeout(() => live(secret), 2000);
    }
  };
}

const session = await devSession(userName());
if (session?.api_key) {
  live(session.api_key);
} else {
  setStatus("disconnected", "log in");
  document.getElementById("login").classList.remove("hidden");
}
document.getElementById("login").addEventListener("submit", (e) => {
  e.preventDefault();
  live(document.getElementById("secret").value);
});

// Round trip through the SDK: one publication a second into a channel of our own.
const client = new WshubClient(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/websocket`,
  session?.token ? { token: session.token } : {});
const channel = `dashboard-ping:${Math.random().toString(36).slice(2, 10)}`;
const sub = client.subscribe(channel, { recover: false });
sub.on("message", (pub) => {
  const sent = pub.payload?.at;
  if (typeof sent !== "number") return;
  const ms = performance.now() - sent;
  show("latency", ms, 1);
  push("latency", ms);
});
client.connect();
setInterval(() => {
  if (sub.state === "subscribed") client.publish(channel, { at: performance.now() }).catch(() => {});
}, 1000);

for (const key of Object.keys(series)) chart(key, []);
