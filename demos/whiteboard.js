// Whiteboard: each finished stroke is a publication {points, color, width} in
// "whiteboard:main"; "clear" publications wipe the board. A page replays the channel's
// history when it joins, so strokes drawn before are there. Cursors are throttled
// positions in "whiteboard-cursors:main" (no meaning once old: history is ignored).
// Coordinates are in a 1000×560 board space, whatever the canvas's pixel size.
import { connect, colorFor, el } from "./common.js";

const W = 1000;
const H = 560;
const COLORS = ["#1d2433", "#3b6cf6", "#d64545", "#1f9d61", "#e0a526", "#8e44ad"];
const CURSOR_EVERY_MS = 50;
const CURSOR_GONE_MS = 5000;

const { client, name } = await connect();
const canvas = document.getElementById("canvas");
const board = document.getElementById("board");
const ctx = canvas.getContext("2d");
const strokes = [];          // what is on the board (replayed on resize)
let color = COLORS[1];
let lastOffset = -1;

function resize() {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(canvas.clientWidth * ratio);
  canvas.height = Math.round(canvas.clientHeight * ratio);
  redraw();
}

function toBoard(e) {
  const r = canvas.getBoundingClientRect();
  return [Math.round(((e.clientX - r.left) / r.width) * W), Math.round(((e.clientY - r.top) / r.height) * H)];
}

function drawStroke(s) {
  if (!Array.isArray(s.points) || s.points.length === 0) return;
  const sx = canvas.width / W;
  const sy = canvas.height / H;
  ctx.strokeStyle = typeof s.color === "string" ? s.color : "#000";
  ctx.lineWidth = Math.max(1, Math.min(40, Number(s.width) || 4)) * sx;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(s.points[0][0] * sx, s.points[0][1] * sy);
  for (const [x, y] of s.points.slice(1)) ctx.lineTo(x * sx, y * sy);
  if (s.points.length === 1) ctx.lineTo(s.points[0][0] * sx + 0.1, s.points[0][1] * sy);
  ctx.stroke();
}

function redraw() {
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (const s of strokes) drawStroke(s);
}

function count() {
  const c = document.getElementById("stroke-count");
  c.textContent = String(strokes.length);
  c.dataset.value = String(strokes.length);
}

function apply(pub) {
  if (pub.offset !== undefined) {
    if (pub.offset <= lastOffset) return;  // history and the live stream overlap
    lastOffset = pub.offset;
  }
  if (pub.type === "clear") {
    strokes.length = 0;
    redraw();
  } else if (pub.type === "stroke") {
    strokes.push(pub.payload);
    drawStroke(pub.payload);
  }
  count();
}

const sub = client.subscribe("whiteboard:main", { recover: true });
sub.on("message", apply);
sub.on("subscribed", async ({ resubscribed, recovered }) => {
  if (resubscribed && recovered !== false) return;  // the reconnect replayed what was missed
  try {
    const { publications } = await client.history("whiteboard:main", { limit: 100, reverse: true });
    for (const pub of [...publications].reverse()) apply(pub);
  } catch {
    // a channel without history: start empty
  }
});

// Drawing.
let current = null;
canvas.addEventListener("pointerdown", (e) => {
  canvas.setPointerCapture(e.pointerId);
  current = { points: [toBoard(e)], color, width: 4, name };
});
canvas.addEventListener("pointermove", (e) => {
  sendCursor(e);
  if (!current) return;
  const p = toBoard(e);
  const last = current.points[current.points.length - 1];
  if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 2) return;
  current.points.push(p);
  drawStroke({ ...current, points: current.points.slice(-2) });
});
const finish = () => {
  if (!current) return;
  const stroke = current;
  current = null;
  if (stroke.points.length > 400) stroke.points = stroke.points.filter((_, i) => i % 2 === 0);  // keep it small
  client.publish("whiteboard:main", stroke, { type: "stroke" }).catch(() => redraw());
};
canvas.addEventListener("pointerup", finish);
canvas.addEventListener("pointercancel", finish);

document.getElementById("clear").addEventListener("click", () => {
  client.publish("whiteboard:main", { name }, { type: "clear" }).catch(() => {});
});

document.getElementById("swatches").replaceChildren(...COLORS.map((c) => {
  const b = el("button", { type: "button", class: "swatch", title: c, style: { background: c } });
  b.setAttribute("aria-pressed", String(c === color));
  b.setAttribute("aria-label", `colour ${c}`);
  b.addEventListener("click", () => {
    color = c;
    for (const s of document.querySelectorAll(".swatch")) s.setAttribute("aria-pressed", String(s === b));
  });
  return b;
}));

// Cursors.
let lastCursorSent = 0;
function sendCursor(e) {
  const now = Date.now();
  if (now - lastCursorSent < CURSOR_EVERY_MS || client.state !== "connected") return;
  lastCursorSent = now;
  const [x, y] = toBoard(e);
  client.publish("whiteboard-cursors:main", { name, x, y, at: now }, { type: "cursor" }).catch(() => {});
}

const cursors = new Map();  // name -> {node, seen}
const cursorSub = client.subscribe("whiteboard-cursors:main", { recover: false });
cursorSub.on("message", (pub) => {
  const p = pub.payload ?? {};
  if (typeof p.name !== "string" || p.name === name || Date.now() - (p.at ?? 0) > CURSOR_GONE_MS) return;
  let c = cursors.get(p.name);
  if (!c) {
    c = { node: el("div", { class: "cursor", "data-user": p.name, style: { color: colorFor(p.name) } }, p.name) };
    cursors.set(p.name, c);
    board.append(c.node);
  }
  c.seen = Date.now();
  c.node.style.left = `${(p.x / W) * canvas.clientWidth}px`;
  c.node.style.top = `${(p.y / H) * canvas.clientHeight}px`;
  document.getElementById("people-count").textContent = String(cursors.size);
});
setInterval(() => {
  for (const [who, c] of cursors) {
    if (Date.now() - c.seen > CURSOR_GONE_MS) {
      c.node.remove();
      cursors.delete(who);
    }
  }
  document.getElementById("people-count").textContent = String(cursors.size);
}, 1000);

window.addEventListener("resize", resize);
resize();
