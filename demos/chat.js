// Chat: rooms are channels "chat:<room>" (history: the last messages on join; presence:
// who is here; join/leave: keeps the list current). Typing indicators go to a separate
// channel "chat-typing:<room>" so they never take room in the messages' history.
import { connect, colorFor, el, timeOf } from "./common.js";

const ROOMS = ["lobby", "random", "help"];
const TYPING_SHOWN_MS = 4000;

const { client, name } = await connect();
const messages = document.getElementById("messages");
const typingLine = document.getElementById("typing");
const people = document.getElementById("people");
const input = document.getElementById("composer-input");

let room = null;
let roomSub = null;
let typingSub = null;
let lastOffset = -1;                 // the newest message shown (history and live)
const present = new Map();           // client id -> user
const typing = new Map();            // name -> time it last typed

function showMessage(pub) {
  if (pub.type !== "message" || typeof pub.payload?.text !== "string") return;
  if (pub.offset !== undefined) {
    if (pub.offset <= lastOffset) return;  // already shown (history and the live stream overlap)
    lastOffset = pub.offset;
  }
  const who = String(pub.payload.name ?? pub.from?.user ?? "someone");
  const line = el("p", { class: `message${who === name ? " mine" : ""}` },
    el("span", { class: "who", style: { color: colorFor(who) } }, who),
    el("span", {}, pub.payload.text), " ",
    el("span", { class: "when" }, timeOf(pub.payload.at ?? Date.now())));
  messages.append(line);
  typing.delete(who);
  renderTyping();
  messages.scrollTop = messages.scrollHeight;
}

function system(text) {
  messages.append(el("p", { class: "message system" }, text));
  messages.scrollTop = messages.scrollHeight;
}

function renderPeople() {
  const counts = new Map();
  for (const user of present.values()) {
    const label = user || "anonymous";
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  people.replaceChildren(...[...counts.keys()].sort().map((user) =>
    el("li", { "data-user": user },
      el("span", { class: "dot", style: { background: colorFor(user) } }),
      user === name ? `${user} (you)` : user,
      counts.get(user) > 1 ? el("span", { class: "muted small" }, ` ×${counts.get(user)}`) : "")));
  document.getElementById("people-count").textContent = String(counts.size);
}

function renderTyping() {
  const now = Date.now();
  const names = [...typing].filter(([who, at]) => who !== name && now - at < TYPING_SHOWN_MS).map(([who]) => who);
  typingLine.textContent = names.length === 0 ? "" :
    names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}
setInterval(renderTyping, 1000);

async function loadPresence(channel) {
  try {
    const { clients } = await client.presence(channel);
    present.clear();
    for (const c of clients) present.set(c.client, c.user);
    renderPeople();
  } catch (e) {
    system(`presence unavailable: ${e.message}`);
  }
}

async function loadHistory(channel) {
  try {
    const { publications } = await client.history(channel, { limit: 50, reverse: true });
    for (const pub of [...publications].reverse()) showMessage({ ...pub, channel });
  } catch (e) {
    system(`history unavailable: ${e.message}`);
  }
}

function enter(next) {
  if (next === room) return;
  roomSub?.unsubscribe();
  typingSub?.unsubscribe();
  room = next;
  lastOffset = -1;
  present.clear();
  typing.clear();
  messages.replaceChildren();
  renderPeople();
  renderTyping();
  document.getElementById("room-title").textContent = `#${room}`;
  for (const b of document.querySelectorAll("#rooms button")) b.setAttribute("aria-current", String(b.dataset.room === room));

  const channel = `chat:${room}`;
  roomSub = client.subscribe(channel, { recover: true });
  roomSub.on("subscribed", ({ resubscribed, recovered }) => {
    // First time (or continuity lost): the last messages from history; after a recovered
    // reconnect the subscription itself replayed what was missed.
    if (!resubscribed || recovered === false) loadHistory(channel);
    loadPresence(channel);
  });
  roomSub.on("message", showMessage);
  roomSub.on("join", (p) => { present.set(p.client, p.user); renderPeople(); });
  roomSub.on("leave", (p) => { present.delete(p.client); renderPeople(); });
  roomSub.on("error", (e) => system(`cannot join #${room}: ${e.message}`));

  typingSub = client.subscribe(`chat-typing:${room}`, { recover: false });
  typingSub.on("message", (pub) => {
    const who = pub.payload?.name;
    if (typeof who !== "string" || Date.now() - (pub.payload.at ?? 0) > TYPING_SHOWN_MS) return;  // old, from history
    typing.set(who, Date.now());
    renderTyping();
  });
}

document.getElementById("rooms").replaceChildren(...ROOMS.map((r) => {
  const b = el("button", { type: "button", "data-room": r }, `# ${r}`);
  b.addEventListener("click", () => enter(r));
  return b;
}));

let lastTypingSent = 0;
input.addEventListener("input", () => {
  const now = Date.now();
  if (!input.value || now - lastTypingSent < 1500 || client.state !== "connected") return;
  lastTypingSent = now;
  client.publish(`chat-typing:${room}`, { name, at: now }, { type: "typing" }).catch(() => {});
});

document.getElementById("composer").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  lastTypingSent = 0;
  try {
    await client.publish(`chat:${room}`, { text, name, at: Date.now() });
  } catch (err) {
    system(`not sent: ${err.message}`);
    input.value = text;
  }
});

enter(new URLSearchParams(location.search).get("room") ?? ROOMS[0]);
input.focus();
