// The SUDS prompt inside the headset: a panel in front of the eyes with a 0-100 slider.
// Thumbstick left/right moves it (60 points a second at full tilt), squeeze steps it by 10
// (left hand down, right hand up), select (trigger) answers. Shown only while presenting;
// on a screen the page's own prompt is used.
import * as THREE from "../vendor/three.bundle.js";

const DEADZONE = 0.2;
const STICK_SPEED = 60;
const SQUEEZE_STEP = 10;
const clamp = (v) => Math.max(0, Math.min(100, v));

export class HeadsetSudsPrompt {
  constructor(renderer, camera, onAnswer) {
    this.renderer = renderer;
    this.onAnswer = onAnswer;
    this.open = false;
    this.value = 50;
    this.drawn = null;
    this.canvas = document.createElement("canvas");
    this.canvas.width = 512;
    this.canvas.height = 256;
    this.texture = new THREE.CanvasTexture(this.canvas);
    const material = new THREE.MeshBasicMaterial({ map: this.texture, depthTest: false });
    this.panel = new THREE.Mesh(new THREE.PlaneGeometry(0.8, 0.4), material);
    this.panel.position.set(0, -0.05, -1.2);
    this.panel.renderOrder = 10;
    this.panel.visible = false;
    camera.add(this.panel);
    renderer.xr.addEventListener("sessionstart", () => this.attach(renderer.xr.getSession()));
  }

  attach(session) {
    session.addEventListener("select", () => this.open && this.submit());
    session.addEventListener("squeeze", (event) => {
      if (!this.open) return;
      this.nudge(event.inputSource?.handedness === "left" ? -SQUEEZE_STEP : SQUEEZE_STEP);
    });
  }

  show(start = 50) {
    this.open = true;
    this.value = clamp(start);
    this.draw();
  }

  hide() {
    this.open = false;
    this.panel.visible = false;
  }

  nudge(delta) {
    this.value = clamp(this.value + delta);
    this.draw();
  }

  submit() {
    const value = Math.round(this.value);
    this.hide();
    this.onAnswer(value, "controller");
  }

  // Each frame: follow the strongest thumbstick (xr-standard axes 2/3; else 0/1).
  tick(dt) {
    if (!this.open) return;
    this.panel.visible = this.renderer.xr.isPresenting;
    const session = this.renderer.xr.getSession();
    if (!session) return;
    let x = 0;
    for (const source of session.inputSources) {
      const axes = source.gamepad?.axes;
      if (!axes || axes.length < 2) continue;
      const value = axes.length >= 4 ? axes[2] : axes[0];
      if (Math.abs(value) > Math.abs(x)) x = value;
    }
    if (Math.abs(x) > DEADZONE) this.nudge(x * STICK_SPEED * dt);
  }

  draw() {
    const shown = Math.round(this.value);
    if (shown === this.drawn) return;
    this.drawn = shown;
    const g = this.canvas.getContext("2d");
    g.fillStyle = "#1d2b36";
    g.fillRect(0, 0, 512, 256);
    g.fillStyle = "#ffffff";
    g.font = "28px sans-serif";
    g.textAlign = "center";
    g.fillText("How distressed do you feel?", 256, 48);
    g.font = "bold 64px sans-serif";
    g.fillText(String(shown), 256, 130);
    g.fillStyle = "#55606a";
    g.fillRect(56, 156, 400, 14);
    g.fillStyle = "#8fd3a8";
    g.fillRect(56, 156, 4 * shown, 14);
    g.fillStyle = "#d8e0e6";
    g.font = "20px sans-serif";
    g.fillText("0 calm – 100 the most", 256, 200);
    g.fillText("Stick or grip to move · trigger to answer · or say it", 256, 236);
    this.texture.needsUpdate = true;
  }
}
