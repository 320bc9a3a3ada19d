// Bluetooth heart-rate monitors (Bluetooth SIG Heart Rate Profile): service 0x180D,
// Heart Rate Measurement characteristic 0x2A37. Flags byte: bit 0 = HR is uint16 (else
// uint8); bit 3 = Energy Expended (uint16) present; bit 4 = RR intervals present, each a
// uint16 in 1/1024 s. All multi-byte fields are little-endian.

export const HEART_RATE_SERVICE = 0x180d;
export const HEART_RATE_MEASUREMENT = 0x2a37;

// Pure: a DataView (or array of bytes) -> { hr, rr: [seconds...] }, or null if malformed.
export function parseHeartRateMeasurement(data) {
  const view = data instanceof DataView ? data : new DataView(Uint8Array.from(data).buffer);
  if (view.byteLength < 2) return null;
  const flags = view.getUint8(0);
  let offset = 1;
  let hr;
  if (flags & 0x01) {
    if (view.byteLength < 3) return null;
    hr = view.getUint16(offset, true);
    offset += 2;
  } else {
    hr = view.getUint8(offset);
    offset += 1;
  }
  if (flags & 0x08) offset += 2; // energy expended, not used
  const rr = [];
  if (flags & 0x10) {
    for (; offset + 1 < view.byteLength; offset += 2) {
      rr.push(Math.round((view.getUint16(offset, true) / 1024) * 10000) / 10000);
    }
  }
  return { hr, rr };
}

// Ask the browser for a monitor (needs a user gesture) and report each measurement.
export async function connectHeartRateMonitor(onReading) {
  if (!navigator.bluetooth) throw new Error("Web Bluetooth is not available in this browser");
  const device = await navigator.bluetooth.requestDevice({
    filters: [{ services: [HEART_RATE_SERVICE] }],
  });
  const server = await device.gatt.connect();
  const service = await server.getPrimaryService(HEART_RATE_SERVICE);
  const characteristic = await service.getCharacteristic(HEART_RATE_MEASUREMENT);
  characteristic.addEventListener("characteristicvaluechanged", (event) => {
    const reading = parseHeartRateMeasurement(event.target.value);
    if (reading) onReading(reading);
  });
  await characteristic.startNotifications();
  return device;
}
