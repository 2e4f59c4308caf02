// What every demo page shares: who you are, the connection, the status dot.
//
// Identity: a name kept in localStorage (so every tab of this browser is the same user),
// ?user=<name> overrides it. Under `wshub --dev` the page asks /demos/dev-session for a
// token for that name (signed with --dev's public secret) and for the server API key;
// without --dev that route is 404 and the page connects with a token pasted into
// localStorage["wshub-demo-token"], or anonymously (then the name is only a label).
import { WshubClient } from "./sdk/index.js";

export { WshubClient };

const NAME_KEY = "wshub-demo-user";

export function userName() {
  const fromUrl = new URLSearchParams(location.search).get("user");
  if (fromUrl && /^[A-Za-z0-9_.-]{1,32}$/.test(fromUrl)) return fromUrl;
  let name = localStorage.getItem(NAME_KEY);
  if (!name) {
    name = `guest-${Math.floor(Math.random() * 9000 + 1000)}`;
    localStorage.setItem(NAME_KEY, name);
  }
  return name;
}

export async function devSession(name) {
  try {
    const r = await fetch(`/demos/dev-session?user=${encodeURIComponent(name)}`);
    if (r.ok) return await r.json();
  } catch {
    // not under --dev
  }
  return null;
}

// Connects as `userName()` and wires the header's status (#status) and name form.
export async function connect() {
  const name = userName();
  const session = await devSession(name);
  const token = session?.token ?? localStorage.getItem("wshub-demo-token") ?? undefined;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/websocket`;
  const client = new WshubClient(url, token ? { token } : {});
  const status = document.getElementById("status");
  const show = (state, text) => {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  };
  client.on("connecting", () => show("connecting", "connecting…"));
  client.on("connected", ({ user }) => show("connected", user ? `online as ${user}` : "online (anonymous)"));
  client.on("disconnected", ({ reconnect, delay }) =>
    show("disconnected", reconnect ? `offline, retrying in ${Math.round((delay ?? 0) / 1000)} s` : "offline"));
  wireNameForm(name);
  client.connect();
  return { client, name, session };
}

function wireNameForm(name) {
  const form = document.getElementById("name-form");
  if (!form) return;
  const input = form.querySelector("input");
  input.value = name;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const next = input.value.trim();
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(next)) {
      input.setCustomValidity("1-32 letters, digits, _ . -");
      input.reportValidity();
      return;
    }
    localStorage.setItem(NAME_KEY, next);
    const url = new URL(location.href);
    url.searchParams.delete("user");
    location.href = url.toString();
  });
  input.addEventListener("input", () => input.setCustomValidity(""));
}

// A stable colour per name.
export function colorFor(name) {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return `hsl(${h % 360} 65% 45%)`;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "style") Object.assign(node.style, v);  // CSSOM: allowed by the CSP, a style attribute is not
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c);
  return node;
}

export function timeOf(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
