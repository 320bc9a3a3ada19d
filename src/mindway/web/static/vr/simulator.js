// A built-in source of HR and EDA for demonstrations: arousal follows the scene's intensity
// with a lag, habituates slowly at a constant level and calms in the safe place. Not a
// measurement: the scene labels readings from it as simulated.
export class PhysiologySimulator {
  constructor(seed = 1) {
    this.state = seed >>> 0 || 1;
    this.arousal = 0.1;
    this.habituation = 0;
    this.restHr = 70;
    this.restEda = 3;
  }

  random() {
    // xorshift32: reproducible noise for a given seed
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }

  step(intensity, coping) {
    const target = coping ? 0.05 : Math.max(0.05, intensity * (1 - this.habituation));
    this.arousal += (target - this.arousal) / 8;
    if (!coping && intensity > 0) this.habituation = Math.min(0.6, this.habituation + 0.0015);
    const noise = () => (this.random() - 0.5) * 2;
    return {
      hr: Math.round((this.restHr + 40 * this.arousal + noise() * 2) * 10) / 10,
      eda: Math.round((this.restEda + 4 * this.arousal + noise() * 0.05) * 1000) / 1000,
      suds: Math.max(0, Math.min(100, Math.round(100 * this.arousal + noise() * 5))),
    };
  }
}
