// Bundled by `make assets` (esbuild) into static/vendor/three.bundle.js: the parts of three.js
// the scenes use and the WebXR button, from the npm registry, served by Mindway itself (never
// from a CDN). Named exports let esbuild leave out the rest of three.js.
export {
  BoxGeometry,
  CanvasTexture,
  CircleGeometry,
  Clock,
  Color,
  CylinderGeometry,
  DirectionalLight,
  Group,
  HemisphereLight,
  Mesh,
  MeshBasicMaterial,
  MeshStandardMaterial,
  PerspectiveCamera,
  PlaneGeometry,
  Scene,
  SphereGeometry,
  Vector3,
  WebGLRenderer,
} from "three";
export { VRButton } from "three/examples/jsm/webxr/VRButton.js";
