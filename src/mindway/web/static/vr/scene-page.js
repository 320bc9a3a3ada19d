// The exposure scene page: renders the item's scene, connects to the session's WebSocket,
// sends one sample a second (t, hr, eda, suds) and applies each reply's intensity and state.
// Baseline and coping breaks show the safe place with a breathing guide. Test hooks:
// ?intensity=0.2 fixes the intensity (no session); window.mindwayScene.setIntensity(x).
import * as THREE from "../vendor/three.bundle.js";
import { VRButton } from "../vendor/three.bundle.js";
import { SCENES, SKY, clamp01 } from "./scenes.js";
import { PhysiologySimulator } from "./simulator.js";
import { connectHeartRateMonitor } from "./heart-rate.js";
import { HeadsetSudsPrompt } from "./suds-xr.js";
import { listen, speechAvailable } from "./suds-voice.js";

const stage = document.getElementById("vr-stage");
const cfg = stage.dataset;
const params = new URLSearchParams(location.search);
const status = document.getElementById("vr-status");
const prompt = document.getElementById("vr-suds");
const SUDS_EVERY_S = 30;

const renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 1.5));
stage.appendChild(renderer.domElement);
const camera = new THREE.PerspectiveCamera(70, 1, 0.05, 500);
const world = new THREE.Scene();
world.add(camera); // the in-headset SUDS panel rides on the camera
world.add(new THREE.HemisphereLight(0xffffff, 0x445544, 1.6));
const sun = new THREE.DirectionalLight(0xffffff, 1.4);
sun.position.set(5, 10, 4);
world.add(sun);

const exposure = SCENES[cfg.scene] ? SCENES[cfg.scene]() : SCENES.safe_place();
const safe = SCENES.safe_place();
world.add(exposure.root, safe.root);

const motionQuery = window.matchMedia("(prefers-reduced-motion: reduce)");
const reducedBox = document.getElementById("vr-reduced");
let reduced = motionQuery.matches || params.get("reduced") === "1";
if (reducedBox) {
  reducedBox.checked = reduced;
  reducedBox.addEventListener("change", () => (reduced = reducedBox.checked));
}

const lo = clamp01(cfg.lo ?? 0);
const hi = cfg.hi === undefined ? 1 : clamp01(cfg.hi);
const view = { intensity: 0, state: "baseline", reason: "", yaw: 0, pitch: 0 };
const frames = [];
const intervals = [];
let lastFrameAt = null;

function sceneIntensity(controllerIntensity) {
  return lo + (hi - lo) * clamp01(controllerIntensity);
}

function show(state) {
  const calm = state === "baseline" || state === "coping" || state === "ended";
  exposure.root.visible = !calm;
  safe.root.visible = calm;
  world.background = new THREE.Color(calm ? SKY.safe_place : (SKY[cfg.scene] ?? 0x9fc5e8));
  stage.dataset.state = state;
  stage.classList.toggle("vr-paused", state === "paused");
}

function apply(intensity, state, reason) {
  view.intensity = clamp01(intensity);
  view.state = state;
  view.reason = reason || "";
  exposure.set(sceneIntensity(view.intensity));
  show(state);
  stage.dataset.intensity = String(view.intensity);
  const words = {
    baseline: "Settling in: breathe normally.",
    coping: "Breathe in as the light grows, out as it fades.",
    paused: "Paused by your therapist.",
    ended: "The session has ended. Well done for staying with it.",
  };
  status.textContent = words[state] ?? `Exposure level ${Math.round(view.intensity * 100)}%`;
}

function resize() {
  const width = stage.clientWidth || window.innerWidth;
  const height = stage.clientHeight || Math.round(width * 0.6);
  renderer.setSize(width, height, false);
  camera.aspect = width / height;
  camera.updateProjectionMatrix();
}
window.addEventListener("resize", resize);
resize();

// Looking around with mouse or touch (headsets look with the head).
let drag = null;
renderer.domElement.addEventListener("pointerdown", (e) => (drag = { x: e.clientX, y: e.clientY }));
window.addEventListener("pointerup", () => (drag = null));
window.addEventListener("pointermove", (e) => {
  if (!drag) return;
  view.yaw -= (e.clientX - drag.x) * 0.005;
  view.pitch = Math.max(-1.2, Math.min(1.2, view.pitch - (e.clientY - drag.y) * 0.005));
  drag = { x: e.clientX, y: e.clientY };
});

const clock = new THREE.Clock();
function frame() {
  const dt = Math.min(clock.getDelta(), 0.1);
  const t = clock.elapsedTime;
  const motion = reduced ? 0 : 1;
  const active = exposure.root.visible ? exposure : safe;
  active.tick(t, dt, motion);
  headset.tick(dt);
  camera.position.copy(active.eye);
  if (active.eyeZ) camera.position.z = active.eyeZ();
  camera.rotation.set(active.look() + view.pitch, view.yaw, 0, "YXZ");
  const start = performance.now();
  renderer.render(world, camera);
  const end = performance.now();
  frames.push(end - start);
  if (lastFrameAt !== null) intervals.push(end - lastFrameAt);
  lastFrameAt = end;
  if (frames.length > 240) frames.shift();
  if (intervals.length > 240) intervals.shift();
}
renderer.xr.enabled = true;
renderer.setAnimationLoop(frame);
if (navigator.xr) document.getElementById("vr-enter")?.appendChild(VRButton.createButton(renderer));

// -- SUDS: asked about every 30 s; answered by click, tap, keys 0-9 (x10), in the headset
// with the controller (suds-xr.js) or by voice where the Web Speech API exists ----------------
let suds = null;
let lastSuds = null;
let voice = null;
const headset = new HeadsetSudsPrompt(renderer, camera, (value, via) => answer(value, via));
if (speechAvailable()) document.getElementById("vr-suds-voice")?.removeAttribute("hidden");
function ask() {
  if (prompt) prompt.hidden = false;
  headset.show(lastSuds?.value ?? 50);
  voice?.stop();
  voice = listen((value) => answer(value, "voice"));
}
prompt?.addEventListener("click", (e) => {
  const value = e.target.closest("button[data-suds]")?.dataset.suds;
  if (value !== undefined) answer(Number(value), "click");
});
window.addEventListener("keydown", (e) => {
  if (!prompt || prompt.hidden || !/^[0-9]$/.test(e.key)) return;
  answer(Number(e.key) * 10, "keys");
});
function answer(value, via) {
  suds = Math.max(0, Math.min(100, Math.round(value)));
  lastSuds = { value: suds, via };
  stage.dataset.sudsVia = via;
  if (prompt) prompt.hidden = true;
  headset.hide();
  voice?.stop();
  voice = null;
}

// -- physiology: a Bluetooth monitor if connected, else the built-in simulator -------------
const simulator = new PhysiologySimulator(Number(cfg.seed || 1));
let monitorHr = null;
let monitorRr = []; // RR intervals (ms) since the last sample, for HRV on the server
document.getElementById("vr-ble")?.addEventListener("click", async () => {
  try {
    await connectHeartRateMonitor((reading) => {
      monitorHr = reading.hr;
      monitorRr.push(...reading.rr.map((seconds) => Math.round(seconds * 1000)));
    });
    document.getElementById("vr-source").textContent = "Heart-rate monitor";
  } catch (err) {
    document.getElementById("vr-source").textContent = `Simulated (${err.message})`;
  }
});

function reading() {
  const sim = simulator.step(sceneIntensity(view.intensity), view.state !== "exposure");
  return { hr: monitorHr ?? sim.hr, eda: monitorHr === null ? sim.eda : null, simSuds: sim.suds };
}

// -- the live session: WebSocket, or the same messages over HTTP when it cannot open ---------
function openChannel(onReply, onClose) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/api/v1/vr/sessions/${cfg.session}/ws`;
  return new Promise((resolve) => {
    const socket = new WebSocket(url, ["mindway.v1"]);
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      resolve({ kind: "websocket", send: (m) => socket.send(JSON.stringify(m)) });
    });
    socket.addEventListener("message", (e) => onReply(JSON.parse(e.data)));
    socket.addEventListener("close", (e) => (opened ? onClose(e.reason || e.code) : resolve(httpChannel(onReply))));
  });
}

function httpChannel(onReply) {
  let chain = Promise.resolve();
  const send = (message) => {
    chain = chain
      .then(() =>
        fetch(`${location.pathname}/messages`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": cfg.csrf },
          body: JSON.stringify(message),
        }),
      )
      .then((r) => r.json())
      .then(onReply)
      .catch(() => (status.textContent = "Connection problem: retrying."));
  };
  return { kind: "http", send };
}

async function connect() {
  let timer = null;
  let second = 0; // one sample a second: t counts them (faster only under ?speed= for tests)
  let lastAsk = 0;
  let stopped = false;
  const onReply = (reply) => {
    if (stopped) return;
    if ("intensity" in reply) apply(reply.intensity, reply.state, reply.reason);
    if (reply.state === "ended" && timer) {
      clearInterval(timer);
      timer = null;
      channel.send({ event: "session_end" });
    }
  };
  const onClose = (why) => {
    if (timer) clearInterval(timer);
    if (view.state !== "ended") status.textContent = `Disconnected (${why}).`;
  };
  const channel = await openChannel(onReply, onClose);
  stage.dataset.channel = channel.kind;
  channel.send({ event: "session_start", patient: cfg.patient, session: Number(cfg.number) });
  timer = setInterval(() => {
    const t = second++;
    if (view.state === "exposure" && t - lastAsk >= SUDS_EVERY_S) {
      lastAsk = t;
      if (cfg.autoSuds === "1") suds = reading().simSuds;
      else ask();
    }
    const r = reading();
    const sample = { t, hr: r.hr, eda: r.eda, suds };
    if (monitorRr.length) sample.rr = monitorRr.splice(0, 16);
    channel.send(sample);
    suds = null;
  }, 1000 / Number(params.get("speed") || 1));
  document.getElementById("vr-stop")?.addEventListener("click", () => {
    if (timer) clearInterval(timer);
    timer = null;
    stopped = true;
    channel.send({ event: "session_end" });
    apply(0, "ended", "stopped by you");
  });
}

window.mindwayScene = {
  scene: cfg.scene,
  setIntensity(x) {
    apply(x, "exposure", "test");
  },
  get intensity() {
    return view.intensity;
  },
  get state() {
    return view.state;
  },
  get presenting() {
    return renderer.xr.isPresenting;
  },
  askSuds: ask,
  get sudsPrompt() {
    return { open: headset.open, value: Math.round(headset.value), inHeadset: headset.panel.visible };
  },
  get lastSuds() {
    return lastSuds;
  },
  // render: CPU time of renderer.render; interval: time between frames (what the eye sees)
  frameStats() {
    const stats = (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
      return { n: sorted.length, median_ms: pick(0.5), p95_ms: pick(0.95) };
    };
    return { render: stats(frames), interval: stats(intervals) };
  },
};

const fixed = params.get("intensity");
if (fixed !== null) apply(Number(fixed), "exposure", "fixed for preview");
else if (cfg.session) {
  apply(0, "baseline", "");
  connect();
} else apply(0, "exposure", "preview");
stage.dataset.ready = "1";
