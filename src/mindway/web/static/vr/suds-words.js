// A spoken SUDS rating (0-100) from a speech transcript, in English or Spanish: digits
// ("40", "40%") or number words ("forty", "forty-five", "a hundred"; "cuarenta",
// "treinta y cinco", "veintidós", "cien"). The first number in range wins; null if none.
// Pure (no DOM): used by the scene's voice answer and tested in the browser.

const UNITS = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16,
  seventeen: 17, eighteen: 18, nineteen: 19,
  cero: 0, uno: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8,
  nueve: 9, diez: 10, once: 11, doce: 12, trece: 13, catorce: 14, quince: 15, dieciseis: 16,
  diecisiete: 17, dieciocho: 18, diecinueve: 19, veintiuno: 21, veintiuna: 21, veintidos: 22,
  veintitres: 23, veinticuatro: 24, veinticinco: 25, veintiseis: 26, veintisiete: 27,
  veintiocho: 28, veintinueve: 29,
};
const TENS = {
  twenty: 20, thirty: 30, forty: 40, fourty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80,
  ninety: 90,
  veinte: 20, treinta: 30, cuarenta: 40, cincuenta: 50, sesenta: 60, setenta: 70, ochenta: 80,
  noventa: 90,
};
const HUNDRED = new Set(["hundred", "cien", "ciento"]);
const JOINERS = new Set(["y", "and"]);
// "once" is eleven in Spanish but a common English word: only a number in a Spanish transcript.
const ENGLISH_ONLY_AMBIGUOUS = new Set(["once"]);

function normalise(text) {
  return String(text)
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[-–]/g, " ")
    .replace(/[^a-z0-9% ]+/g, " ");
}

// One number starting at tokens[i]: [value, tokens used] or null.
function wordsAt(tokens, i, lang) {
  const word = tokens[i];
  if (ENGLISH_ONLY_AMBIGUOUS.has(word) && !lang.startsWith("es")) return null;
  if (HUNDRED.has(word)) return [100, 1];
  if ((word === "a" || word === "one" || word === "un") && HUNDRED.has(tokens[i + 1])) {
    return [100, 2];
  }
  if (word in TENS) {
    let next = i + 1;
    if (JOINERS.has(tokens[next]) && tokens[next + 1] in UNITS) next += 1;
    const unit = UNITS[tokens[next]];
    if (unit !== undefined && unit > 0 && unit < 10) return [TENS[word] + unit, next - i + 1];
    return [TENS[word], 1];
  }
  if (word in UNITS) return [UNITS[word], 1];
  return null;
}

export function parseSuds(transcript, lang = "") {
  const text = normalise(transcript);
  const digits = text.match(/(?:^|\s)(\d{1,3})(?:\s*%)?(?=\s|$)/);
  if (digits) {
    const value = Number(digits[1]);
    return value <= 100 ? value : null;
  }
  const tokens = text.split(/\s+/).filter(Boolean);
  const language = String(lang || "").toLowerCase();
  for (let i = 0; i < tokens.length; i++) {
    const found = wordsAt(tokens, i, language);
    if (found) return found[0];
  }
  return null;
}
