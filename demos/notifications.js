// Notifications: the server API's `send` ({"user","type":"notification","payload"}) reaches
// every connection of that user; the SDK hands it to client.on("notification").
// Under --dev the page knows the API key (/demos/dev-session) and its button calls
// POST /api/send itself; otherwise it shows the curl command with $WSHUB_API_KEY only.
import { connect, el, timeOf } from "./common.js";

const { client, name, session } = await connect();
const to = document.getElementById("to");
const text = document.getElementById("text");
const curl = document.getElementById("curl");
const feed = document.getElementById("feed");
let received = 0;

to.value = name;

function body() {
  return JSON.stringify({ user: to.value.trim(), type: "notification", payload: { text: text.value, from: name, at: Date.now() } });
}

function renderCurl() {
  const key = session?.api_key ? session.api_key : "$WSHUB_API_KEY";
  const quoted = body().replaceAll("'", "'\\''");
  curl.textContent = `curl -s ${location.origin}/api/send \\\n  -H "Authorization: apikey ${key}" \\\n  -d '${quoted}'`;
}
to.addEventListener("input", renderCurl);
text.addEventListener("input", renderCurl);
renderCurl();

if (session?.api_key) {
  document.getElementById("send").classList.remove("hidden");
} else {
  document.getElementById("no-dev").classList.remove("hidden");
}

document.getElementById("send-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!session?.api_key) return;
  const result = document.getElementById("send-result");
  result.textContent = "sending…";
  try {
    const r = await fetch("/api/send", {
      method: "POST",
      headers: { Authorization: `apikey ${session.api_key}`, "Content-Type": "application/json" },
      body: body(),
    });
    result.textContent = r.ok ? `sent to ${to.value.trim()}` : `refused: ${r.status} ${await r.text()}`;
  } catch (err) {
    result.textContent = `failed: ${err.message}`;
  }
});

function toast(message) {
  const t = el("div", { class: "toast" }, message);
  document.getElementById("toasts").append(t);
  setTimeout(() => t.remove(), 6000);
}

client.on("notification", (push) => {
  const p = push.payload ?? {};
  const line = typeof p.text === "string" ? p.text : JSON.stringify(p);
  received += 1;
  document.getElementById("feed-count").textContent = String(received);
  document.getElementById("feed-empty").classList.add("hidden");
  feed.prepend(el("li", { class: "notification" },
    el("div", {}, line),
    el("div", { class: "muted small" }, `${p.from ? `from ${p.from}, ` : ""}${timeOf(typeof p.at === "number" ? p.at : Date.now())}`)));
  toast(line);
});
