// Entry kiosk: what only the browser can do. Keep the scanner's input focused (a
// keyboard-wedge scanner types into whatever has focus), clear it after each scan,
// and play the verdict's sound with Web Audio (no sound files to load).
(function () {
  "use strict";
  const input = document.getElementById("code");
  const form = document.getElementById("scan-form");
  let audio = null;

  function refocus() {
    if (document.activeElement === input) return;
    const active = document.activeElement;
    // Leave focus alone while someone uses another control (a direction button).
    if (active && active !== document.body && form.contains(active) && active.type === "radio") return;
    input.focus({ preventScroll: true });
  }

  function tone(freq, start, length, type) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type || "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length + 0.05);
  }

  const SOUNDS = {
    green: () => { tone(880, 0, 0.12); tone(1320, 0.13, 0.18); },
    amber: () => { tone(660, 0, 0.25, "triangle"); tone(660, 0.3, 0.25, "triangle"); },
    red: () => { tone(220, 0, 0.45, "square"); },
  };

  function play(level) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      (SOUNDS[level] || (() => {}))();
    } catch (e) { /* no audio device: the colour still tells */ }
  }

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt === form) {
      const value = input.value;
      if (!value.trim()) { event.preventDefault(); return; }
      input.value = "";
    }
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "verdict") return;
    const verdict = event.detail.target.querySelector(".verdict");
    if (verdict) play(verdict.dataset.level);
    refocus();
  });
  // The next visitor finds the screen in the fair's language: a visitor who switched
  // to Arabic or English gets it back to French after a quiet minute.
  let lastActivity = Date.now();
  const idleSeconds = Number(form.dataset.idleSeconds || 60);
  ["keydown", "pointerdown", "htmx:afterSwap"].forEach((name) =>
    document.addEventListener(name, () => { lastActivity = Date.now(); }));
  setInterval(() => {
    const home = form.dataset.homeLanguage;
    if (form.dataset.language !== home && Date.now() - lastActivity > idleSeconds * 1000 && !input.value) {
      window.location.search = "?lang=" + home;
    }
  }, 1000);
  document.addEventListener("click", () => setTimeout(refocus, 0));
  setInterval(refocus, 1000);
  refocus();
})();
