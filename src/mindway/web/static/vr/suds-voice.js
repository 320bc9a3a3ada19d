// Answering the SUDS prompt by voice where the Web Speech API exists (Chromium's
// webkitSpeechRecognition, SpeechRecognition elsewhere); where it does not, listen() is a
// no-op returning null. The transcript stays in the browser: only the number is used.
import { parseSuds } from "./suds-words.js";

export function speechAvailable() {
  return Boolean(window.SpeechRecognition || window.webkitSpeechRecognition);
}

// Listen once for a rating; onNumber(value) when one is heard. Returns { stop } or null.
export function listen(onNumber, lang = document.documentElement.lang || navigator.language) {
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (!Recognition) return null;
  let recognition;
  try {
    recognition = new Recognition();
    recognition.lang = lang || "en";
    recognition.interimResults = false;
    recognition.maxAlternatives = 3;
    recognition.continuous = false;
    recognition.onresult = (event) => {
      for (const result of event.results) {
        for (const alternative of result) {
          const value = parseSuds(alternative.transcript, recognition.lang);
          if (value !== null) return onNumber(value);
        }
      }
    };
    recognition.onerror = () => {}; // no microphone, no permission, offline: click still works
    recognition.start();
  } catch {
    return null;
  }
  return {
    stop() {
      try {
        recognition.abort();
      } catch {
        // already stopped
      }
    },
  };
}
