// Exposure scenes: simple geometry, no external assets, one intensity 0-1 each.
// build(name) returns { root, camera pose, set(intensity), tick(seconds, dt, motion) }.
// `motion` is 0 under reduced motion (nothing drifts or swarms), 1 otherwise.
import * as THREE from "../vendor/three.bundle.js";

const mat = (color, extra = {}) => new THREE.MeshStandardMaterial({ color, roughness: 0.85, ...extra });
const box = (w, h, d, color) => new THREE.Mesh(new THREE.BoxGeometry(w, h, d), mat(color));
const lerp = (a, b, x) => a + (b - a) * x;
const clamp01 = (x) => Math.max(0, Math.min(1, Number(x) || 0));

function person(color, skin = 0xd9a07a) {
  const body = new THREE.Group();
  const torso = new THREE.Mesh(new THREE.CylinderGeometry(0.22, 0.26, 0.9, 8), mat(color));
  torso.position.y = 0.95;
  const head = new THREE.Group();
  head.position.y = 1.6;
  head.add(new THREE.Mesh(new THREE.SphereGeometry(0.17, 12, 10), mat(skin)));
  const eyes = new THREE.Group();
  for (const x of [-0.06, 0.06]) {
    const eye = new THREE.Mesh(new THREE.SphereGeometry(0.025, 6, 6), mat(0x111111));
    eye.position.set(x, 0.03, 0.15);
    eyes.add(eye);
  }
  head.add(eyes);
  body.add(torso, head);
  body.userData.head = head;
  return body;
}

// Heights: a balcony. Intensity raises the floor (3 m to 60 m below), lowers then removes the
// railing, turns the floor to glass and tilts the view down.
function heights() {
  const root = new THREE.Group();
  const ground = new THREE.Group();
  const grass = new THREE.Mesh(new THREE.PlaneGeometry(400, 400), mat(0x5b8c4a));
  grass.rotation.x = -Math.PI / 2;
  ground.add(grass);
  for (let i = 0; i < 24; i++) {
    const car = box(1.8, 1.2, 4, [0xaa3333, 0x3355aa, 0xdddddd][i % 3]);
    car.position.set(((i * 37) % 40) - 20, 0.6, ((i * 53) % 60) - 30);
    ground.add(car);
  }
  const tower = box(12, 200, 12, 0xb8b2a7);
  tower.position.set(0, 0, -7);
  const floor = box(4, 0.15, 3, 0x9a9a9a);
  const glass = new THREE.Mesh(
    new THREE.BoxGeometry(4, 0.05, 3),
    mat(0x99ccff, { transparent: true, opacity: 0.25 }),
  );
  const railing = new THREE.Group();
  for (let i = 0; i < 9; i++) {
    const post = box(0.05, 1, 0.05, 0x444444);
    post.position.set(-2 + i * 0.5, 0.5, 1.5);
    railing.add(post);
  }
  const bar = box(4, 0.06, 0.06, 0x444444);
  bar.position.set(0, 1, 1.5);
  railing.add(bar);
  root.add(ground, tower, floor, glass, railing);
  let pitch = 0;
  return {
    root,
    eye: new THREE.Vector3(0, 1.6, 0.2),
    set(x) {
      ground.position.y = -lerp(3, 60, x);
      tower.position.y = ground.position.y + 100;
      railing.scale.y = lerp(1.1, 0.35, Math.min(1, x / 0.8));
      railing.visible = x < 0.85;
      floor.visible = x < 0.6;
      glass.visible = !floor.visible;
      pitch = -lerp(0.05, 0.9, x);
    },
    look: () => pitch,
    tick() {},
  };
}

// Spiders: count 1-8, distance 4 m to 0.6 m, body size, and how fast they scuttle.
function spiders() {
  const root = new THREE.Group();
  const floor = new THREE.Mesh(new THREE.PlaneGeometry(20, 20), mat(0xc8b79a));
  floor.rotation.x = -Math.PI / 2;
  root.add(floor);
  const all = [];
  for (let i = 0; i < 8; i++) {
    const spider = new THREE.Group();
    spider.add(new THREE.Mesh(new THREE.SphereGeometry(0.5, 10, 8), mat(0x1b1410)));
    const abdomen = new THREE.Mesh(new THREE.SphereGeometry(0.7, 10, 8), mat(0x241a14));
    abdomen.position.z = -0.9;
    spider.add(abdomen);
    for (let leg = 0; leg < 8; leg++) {
      const side = leg < 4 ? 1 : -1;
      const piece = new THREE.Mesh(new THREE.CylinderGeometry(0.05, 0.04, 1.6, 5), mat(0x1b1410));
      piece.rotation.z = side * 1.1;
      piece.rotation.y = ((leg % 4) - 1.5) * 0.45;
      piece.position.set(side * 0.8, 0, ((leg % 4) - 1.5) * 0.3);
      spider.add(piece);
    }
    root.add(spider);
    all.push(spider);
  }
  let level = 0;
  return {
    root,
    eye: new THREE.Vector3(0, 1.3, 2.5),
    set(x) {
      level = x;
      const count = 1 + Math.round(x * 7);
      const size = lerp(0.12, 0.45, x);
      const distance = lerp(4, 0.6, x);
      all.forEach((s, i) => {
        s.visible = i < count;
        s.scale.setScalar(size);
        const angle = (i / 8) * Math.PI * 2 * 0.6 - 0.9;
        s.userData.home = new THREE.Vector3(
          Math.sin(angle) * (distance + i * 0.25),
          size * 0.6,
          2.5 - Math.cos(angle) * (distance + i * 0.25),
        );
        s.position.copy(s.userData.home);
      });
    },
    look: () => -0.45,
    tick(t, dt, motion) {
      const speed = motion * lerp(0.1, 1.6, level);
      all.forEach((s, i) => {
        if (!s.visible || !s.userData.home) return;
        s.position.x = s.userData.home.x + Math.sin(t * speed + i) * 0.3 * speed;
        s.position.z = s.userData.home.z + Math.cos(t * speed * 0.7 + i) * 0.2 * speed;
        s.rotation.y = Math.sin(t * speed + i) * 0.6;
      });
    },
  };
}

// Public speaking: audience of 2-60 in rows; attention turns faces to the speaker; at the top
// some lean in and shake their heads (critical reactions).
function publicSpeaking() {
  const root = new THREE.Group();
  const floor = new THREE.Mesh(new THREE.PlaneGeometry(30, 30), mat(0x6d4c3d));
  floor.rotation.x = -Math.PI / 2;
  const lectern = box(0.8, 1.1, 0.5, 0x5a3a22);
  lectern.position.set(0, 0.55, -0.6);
  root.add(floor, lectern);
  const audience = [];
  for (let i = 0; i < 60; i++) {
    const p = person([0x3a5f8a, 0x8a3a3a, 0x4a7a4a, 0x777777][i % 4]);
    const row = Math.floor(i / 10);
    p.position.set(((i % 10) - 4.5) * 0.9, 0, -3 - row * 1.2);
    p.rotation.y = Math.PI;
    root.add(p);
    audience.push(p);
  }
  let level = 0;
  return {
    root,
    eye: new THREE.Vector3(0, 1.7, 0),
    set(x) {
      level = x;
      const shown = 2 + Math.round(x * 58);
      audience.forEach((p, i) => {
        p.visible = i < shown;
        const attending = (i * 0.618) % 1 < lerp(0.15, 1, x);
        p.userData.head.rotation.y = attending ? Math.PI : Math.PI + 1.2;
        p.userData.head.rotation.x = attending ? -0.1 * x : 0.5;
      });
    },
    look: () => -0.05,
    tick(t, dt, motion) {
      if (level < 0.7 || !motion) return;
      audience.forEach((p, i) => {
        if (i % 7 === 0 && p.visible) p.userData.head.rotation.y = Math.PI + Math.sin(t * 4 + i) * 0.3;
      });
    },
  };
}

// Café: 2-12 guests; one walks up from 6 m to 0.8 m; the share looking at you rises.
function cafe() {
  const root = new THREE.Group();
  const floor = new THREE.Mesh(new THREE.PlaneGeometry(30, 30), mat(0xa8895f));
  floor.rotation.x = -Math.PI / 2;
  root.add(floor);
  const guests = [];
  for (let i = 0; i < 12; i++) {
    const table = new THREE.Mesh(new THREE.CylinderGeometry(0.4, 0.4, 0.75, 12), mat(0xffffff));
    const p = person([0xc76b3a, 0x395b7a, 0x6a4a7a][i % 3]);
    const x = ((i % 4) - 1.5) * 2.2;
    const z = -2.5 - Math.floor(i / 4) * 2.2;
    table.position.set(x, 0.37, z);
    p.position.set(x + 0.6, -0.35, z);
    root.add(table, p);
    guests.push({ p, table });
  }
  const walker = person(0x2f6f4f);
  root.add(walker);
  let level = 0;
  return {
    root,
    eye: new THREE.Vector3(0, 1.2, 1),
    set(x) {
      level = x;
      const shown = 2 + Math.round(x * 10);
      guests.forEach(({ p, table }, i) => {
        p.visible = table.visible = i < shown;
        const looking = (i * 0.618) % 1 < x;
        p.lookAt(looking ? 0 : p.position.x, 0, looking ? 1 : p.position.z - 3);
      });
      walker.position.set(0.3, 0, 1 - lerp(6, 0.8, x));
      walker.lookAt(0, 0, 1);
      walker.userData.head.rotation.y = x > 0.3 ? 0 : 0.9;
    },
    look: () => -0.05,
    tick(t, dt, motion) {
      walker.position.y = motion * Math.abs(Math.sin(t * 2)) * 0.03 * level;
    },
  };
}

// Traffic: at the kerb of a road; more, faster cars, the near lane closer to you.
function traffic() {
  const root = new THREE.Group();
  const grass = new THREE.Mesh(new THREE.PlaneGeometry(200, 200), mat(0x6b8e4e));
  grass.rotation.x = -Math.PI / 2;
  const road = new THREE.Mesh(new THREE.PlaneGeometry(200, 8), mat(0x333333));
  road.rotation.x = -Math.PI / 2;
  road.position.y = 0.01;
  root.add(grass, road);
  const cars = [];
  for (let i = 0; i < 14; i++) {
    const car = box(4, 1.3, 1.8, [0xcc2222, 0x2255cc, 0xeeeeee, 0x222222, 0xddaa22][i % 5]);
    car.position.y = 0.65;
    root.add(car);
    cars.push(car);
  }
  let level = 0;
  let kerb = 6;
  return {
    root,
    eye: new THREE.Vector3(0, 1.6, 6),
    set(x) {
      level = x;
      kerb = lerp(9, 4.6, x);
      road.position.z = 0;
      cars.forEach((car, i) => {
        car.visible = i < 2 + Math.round(x * 12);
        car.position.z = i % 2 ? -2 : 2;
        car.position.x = ((i * 29) % 100) - 50;
      });
    },
    eyeZ: () => kerb,
    look: () => -0.12,
    tick(t, dt, motion) {
      const speed = lerp(6, 25, level) * (motion ? 1 : 0.25);
      cars.forEach((car, i) => {
        const dir = i % 2 ? -1 : 1;
        car.position.x += dir * speed * dt;
        if (car.position.x > 60) car.position.x = -60;
        if (car.position.x < -60) car.position.x = 60;
      });
    },
  };
}

// Safe place: a quiet meadow at dusk; a soft light swells for 4 s (breathe in) and ebbs for
// 6 s (breathe out): paced breathing at 6 breaths a minute for coping breaks.
function safePlace() {
  const root = new THREE.Group();
  const meadow = new THREE.Mesh(new THREE.PlaneGeometry(200, 200), mat(0x6f9f6a));
  meadow.rotation.x = -Math.PI / 2;
  const lake = new THREE.Mesh(new THREE.CircleGeometry(6, 32), mat(0x7fb6d6));
  lake.rotation.x = -Math.PI / 2;
  lake.position.set(0, 0.02, -12);
  const orb = new THREE.Mesh(
    new THREE.SphereGeometry(0.5, 24, 16),
    new THREE.MeshBasicMaterial({ color: 0xfff1c4, transparent: true, opacity: 0.85 }),
  );
  orb.position.set(0, 1.6, -4);
  root.add(meadow, lake, orb);
  return {
    root,
    eye: new THREE.Vector3(0, 1.6, 0),
    set() {},
    look: () => 0,
    breath: 0,
    tick(t) {
      const phase = t % 10;
      this.breath = phase < 4 ? phase / 4 : 1 - (phase - 4) / 6;
      orb.scale.setScalar(0.7 + 0.8 * this.breath);
    },
  };
}

export const SCENES = {
  heights,
  spiders,
  public_speaking: publicSpeaking,
  cafe,
  traffic,
  safe_place: safePlace,
};
export const SKY = { safe_place: 0xf6d7b0, spiders: 0x2a2622, public_speaking: 0x1e1e26, cafe: 0xe8dcc8 };
export { clamp01 };
