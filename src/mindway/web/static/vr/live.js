// The clinician's live view: watches the session over its WebSocket (the web session cookie
// authenticates) and sends overrides (pause, resume, hold, step down, end) on the same socket.
// Where a WebSocket cannot open, it polls the session's feed and posts overrides over HTTP.
const root = document.getElementById("vr-live");
const cfg = root.dataset;
const $ = (id) => document.getElementById(id);
const events = $("live-events");
let last = null;
let sendOverride = null;

function note(text) {
  const item = document.createElement("li");
  item.textContent = text;
  events.prepend(item);
}

function show(m) {
  $("live-state").textContent = m.state;
  $("live-intensity").textContent = Number(m.intensity).toFixed(2);
  if (m.fear !== undefined) $("live-fear").textContent = `${m.fear} ± ${m.fear_sd}`;
  $("live-hr").textContent = m.hr ?? "–";
  $("live-eda").textContent = m.eda ?? "–";
  $("live-t").textContent = Math.round(m.t);
  if (m.suds !== null && m.suds !== undefined) $("live-suds").textContent = m.suds;
  if (m.reason) $("live-reason").textContent = m.reason;
  if (!last || last.state !== m.state || last.intensity !== m.intensity) {
    note(`${Math.round(m.t)} s: ${m.state} ${Number(m.intensity).toFixed(2)}${m.reason ? " — " + m.reason : ""}`);
  }
  last = m;
}

function poll() {
  let after = 0;
  const tick = async () => {
    try {
      const feed = await (await fetch(`${cfg.base}/feed?after=${after}`)).json();
      for (const row of feed.rows) show(row);
      after += feed.rows.length;
      if (feed.reason) $("live-reason").textContent = feed.reason;
      if (feed.state === "ended") {
        $("live-state").textContent = "ended";
        return;
      }
    } catch {
      note("connection problem: retrying");
    }
    setTimeout(tick, 2000);
  };
  tick();
  sendOverride = async (action) => {
    const r = await fetch(`${cfg.base}/override`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": cfg.csrf },
      body: JSON.stringify({ action }),
    });
    const reply = await r.json();
    note(reply.ok ? `therapist ${action}` : `not done: ${reply.error || reply.detail}`);
  };
}

const scheme = location.protocol === "https:" ? "wss" : "ws";
const socket = new WebSocket(`${scheme}://${location.host}/api/v1/vr/sessions/${cfg.session}/ws`, ["mindway.v1"]);
let opened = false;
socket.addEventListener("open", () => {
  opened = true;
  root.dataset.channel = "websocket";
  socket.send(JSON.stringify({ event: "session_start" }));
  sendOverride = (action) => socket.send(JSON.stringify({ event: "override", action }));
});
socket.addEventListener("message", (e) => {
  const m = JSON.parse(e.data);
  if (m.event === "update") show(m);
  else if (m.event === "override") note(`${Math.round(m.t)} s: therapist ${m.override}`);
  else if (m.event === "session_end") {
    $("live-state").textContent = "ended";
    note(`session ended (${m.reason})`);
  } else if (m.ok === false) note(`not done: ${m.error}`);
});
socket.addEventListener("close", (e) => {
  if (!opened) {
    root.dataset.channel = "http";
    poll();
  } else note(`connection closed (${e.reason || e.code})`);
});
root.querySelectorAll("button[data-action]").forEach((button) =>
  button.addEventListener("click", () => sendOverride?.(button.dataset.action)),
);
