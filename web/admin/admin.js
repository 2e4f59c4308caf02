// wshub admin dashboard: one WebSocket to /admin/live (docs/operations.md, "Admin
// dashboard"). Log in with the first message; then `stats` arrive every second and
// `call`s answer with the same JSON as POST /api/<method>. Plain JS, no libraries.
'use strict';

(() => {
  const HISTORY_SECONDS = 60;
  const CHANNELS_EVERY_MS = 2000;
  const $ = (id) => document.getElementById(id);

  let socket = null;
  let secret = '';
  let nextCallId = 1;
  const pending = new Map();  // call id -> {resolve, reject}
  const history = [];         // {in, out, conn} per second, oldest first
  let channelsTimer = null;
  let reconnectDelay = 500;
  let loggedOut = true;

  // ---------------------------------------------------------------- helpers
  function text(el, value) { el.textContent = value; }
  function cell(row, value, className) {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    row.appendChild(td);
    return td;
  }
  function formatNumber(n) { return Number(n).toLocaleString('en-US'); }
  function formatDuration(seconds) {
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds / 3600) % 24;
    const m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${m}m`;
    if (m) return `${m}m ${s}s`;
    return `${s}s`;
  }
  function setStatus(kind, message) {
    $('status').className = 'status ' + kind;
    text($('status-text'), message);
  }

  function call(method, params = {}) {
    return new Promise((resolve, reject) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return reject(new Error('not connected'));
      const id = nextCallId++;
      pending.set(id, {resolve, reject});
      socket.send(JSON.stringify({type: 'call', id, method, params}));
    });
  }

  // ---------------------------------------------------------------- connection
  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/admin/live`);
    setStatus('', 'connecting…');
    socket.onopen = () => socket.send(JSON.stringify({type: 'login', secret}));
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      handle(message);
    };
    socket.onclose = (event) => {
      for (const {reject} of pending.values()) reject(new Error('connection closed'));
      pending.clear();
      clearInterval(channelsTimer);
      if (loggedOut) return;
      if (event.code === 4001 || event.code === 4029) {
        // Wrong secret or too many attempts: back to the login form.
        showLogin(event.code === 4029 ? 'Too many login attempts; wait a few seconds.' : 'Wrong password.');
        return;
      }
      setStatus('down', `disconnected (${event.code}); retrying…`);
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
    };
  }

  function handle(message) {
    switch (message.type) {
      case 'welcome':
        reconnectDelay = 500;
        showDashboard();
        text($('node-label'), `node ${message.node} · v${message.version} · ${message.workers} worker${message.workers === 1 ? '' : 's'}`);
        setStatus('live', 'live');
        refreshChannels();
        clearInterval(channelsTimer);
        channelsTimer = setInterval(refreshChannels, CHANNELS_EVERY_MS);
        search();
        break;
      case 'stats':
        showStats(message);
        break;
      case 'reply': {
        const waiter = pending.get(message.id);
        if (!waiter) return;
        pending.delete(message.id);
        if (message.error) waiter.reject(new Error(message.error.message));
        else waiter.resolve(message.result);
        break;
      }
      case 'error':
        if (message.error && message.error.code !== 101 && message.error.code !== 111) console.warn('admin:', message.error.message);
        break;
    }
  }

  // ---------------------------------------------------------------- views
  function showLogin(error) {
    loggedOut = true;
    if (socket) socket.close();
    $('dashboard').hidden = true;
    $('logout').hidden = true;
    $('login-view').hidden = false;
    text($('login-error'), error || '');
    setStatus('', 'not connected');
    $('secret').focus();
  }
  function showDashboard() {
    $('login-view').hidden = true;
    $('dashboard').hidden = false;
    $('logout').hidden = false;
  }

  function showStats(s) {
    const conn = $('stat-connections');
    text(conn, formatNumber(s.connections));
    conn.dataset.value = String(s.connections);
    text($('stat-channels'), formatNumber(s.channels));
    text($('stat-in'), formatNumber(s.messages_in_per_second));
    text($('stat-out'), formatNumber(s.messages_out_per_second));
    text($('stat-uptime'), formatDuration(s.uptime));
    history.push({in: s.messages_in_per_second, out: s.messages_out_per_second, conn: s.connections});
    while (history.length > HISTORY_SECONDS) history.shift();
    drawGraph();
    const body = $('workers-body');
    body.replaceChildren();
    s.workers.forEach((w, i) => {
      const row = document.createElement('tr');
      cell(row, `#${i}`);
      cell(row, formatNumber(w.connections), 'num');
      cell(row, formatNumber(w.messages_in), 'num');
      cell(row, formatNumber(w.messages_out), 'num');
      body.appendChild(row);
    });
  }

  // A hand-drawn SVG chart: the y scale fits the largest rate in view (connections have
  // their own scale), grid lines at quarters.
  function drawGraph() {
    const width = 600, height = 180, pad = 6;
    const maxRate = Math.max(1, ...history.map((p) => Math.max(p.in, p.out)));
    const maxConn = Math.max(1, ...history.map((p) => p.conn));
    const x = (i) => width - (history.length - 1 - i) * (width / (HISTORY_SECONDS - 1));
    const y = (v, max) => height - pad - (v / max) * (height - 2 * pad);
    const points = (key, max) => history.map((p, i) => `${x(i).toFixed(1)},${y(p[key], max).toFixed(1)}`).join(' ');
    $('line-in').setAttribute('points', points('in', maxRate));
    $('line-out').setAttribute('points', points('out', maxRate));
    $('line-conn').setAttribute('points', points('conn', maxConn));
    const grid = $('graph-grid');
    if (!grid.childElementCount) {
      for (let q = 1; q < 4; q++) {
        const line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
        line.setAttribute('class', 'grid');
        line.setAttribute('x1', '0'); line.setAttribute('x2', String(width));
        line.setAttribute('y1', String(height * q / 4)); line.setAttribute('y2', String(height * q / 4));
        grid.appendChild(line);
      }
    }
    const last = history[history.length - 1];
    text($('graph-summary'), `Now ${formatNumber(last.in)} in/s, ${formatNumber(last.out)} out/s; peak in view ${formatNumber(maxRate)}/s; ${formatNumber(last.conn)} connections.`);
  }

  async function refreshChannels() {
    const pattern = $('channel-filter').value.trim();
    let result;
    try { result = await call('channels', pattern ? {pattern} : {}); } catch { return; }
    const body = $('channels-body');
    body.replaceChildren();
    if (!result.channels.length) {
      const row = document.createElement('tr');
      cell(row, pattern ? 'No channel matches.' : 'No channels.', 'muted').colSpan = 2;
      body.appendChild(row);
    }
    for (const c of result.channels) {
      const row = document.createElement('tr');
      const name = document.createElement('code');
      name.textContent = c.channel;
      cell(row, name);
      cell(row, formatNumber(c.subscribers), 'num');
      body.appendChild(row);
    }
  }

  async function search() {
    const by = $('search-by').value;
    const query = $('search-query').value.trim();
    const params = {limit: 100};
    if (query) params[by] = query;
    let result;
    try { result = await call('connections', params); } catch (e) {
      text($('search-summary'), `Search failed: ${e.message}`);
      return;
    }
    const body = $('connections-body');
    body.replaceChildren();
    text($('search-summary'), result.total > result.connections.length
      ? `Showing the ${result.connections.length} oldest of ${formatNumber(result.total)} connections.`
      : `${formatNumber(result.total)} connection${result.total === 1 ? '' : 's'}.`);
    for (const c of result.connections) {
      const row = document.createElement('tr');
      const id = document.createElement('code');
      id.textContent = c.client;
      cell(row, id);
      cell(row, c.user || 'anonymous', c.user ? '' : 'muted');
      cell(row, c.remote_address);
      cell(row, formatDuration(c.duration)).title = new Date(c.connected_at).toISOString();
      const chips = document.createElement('span');
      for (const ch of c.channels) {
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.textContent = ch;
        chips.appendChild(chip);
      }
      cell(row, chips);
      cell(row, formatNumber(c.messages_in), 'num');
      cell(row, formatNumber(c.messages_out), 'num');
      const action = cell(row, '');
      if (c.user) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'danger';
        button.textContent = 'Disconnect';
        button.setAttribute('aria-label', `Disconnect user ${c.user}`);
        button.addEventListener('click', () => disconnect(c.user));
        action.appendChild(button);
      }
      body.appendChild(row);
    }
  }

  async function disconnect(user) {
    if (!confirm(`Disconnect every connection of user “${user}”?`)) return;
    try {
      await call('disconnect', {user, reason: 'disconnected by an administrator'});
    } catch (e) {
      text($('search-summary'), `Disconnect failed: ${e.message}`);
      return;
    }
    setTimeout(search, 300);
  }

  // ---------------------------------------------------------------- wiring
  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      secret = $('secret').value;
      if (!secret) return;
      text($('login-error'), '');
      loggedOut = false;
      connect();
    });
    $('logout').addEventListener('click', () => { secret = ''; $('secret').value = ''; showLogin(''); });
    $('search-form').addEventListener('submit', (event) => { event.preventDefault(); search(); });
    $('channel-filter').addEventListener('input', () => refreshChannels());
  });
})();
