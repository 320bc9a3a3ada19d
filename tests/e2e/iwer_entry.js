// Test-only (bundled by tests/e2e/test_vr.py with esbuild, injected before the page loads):
// an emulated Meta Quest 3 from `iwer`, so the scene's WebXR path runs in headless Chromium.
import { XRDevice, metaQuest3 } from "iwer";

const device = new XRDevice(metaQuest3);
device.installRuntime({ forceInstall: true }); // headless Chromium has a (device-less) native navigator.xr
window.mindwayXrDevice = device;
