// Session door: keep the scanner's input focused (a keyboard-wedge scanner types into
// whatever has focus) unless staff are typing a name, clear it after each scan, and
// play a short sound for the verdict (Web Audio, no files).
(function () {
  "use strict";
  const input = document.getElementById("code");
  const form = document.getElementById("scan-form");
  let audio = null;

  function typingElsewhere() {
    const active = document.activeElement;
    return active && active !== input && (active.tagName === "INPUT" || active.tagName === "SELECT");
  }

  function refocus() {
    if (document.activeElement === input || typingElsewhere()) return;
    input.focus({ preventScroll: true });
  }

  function tone(freq, start, length) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length + 0.05);
  }

  function play(level) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (level === "green") { tone(880, 0, 0.12); tone(1320, 0.13, 0.18); }
      else if (level === "amber") { tone(660, 0, 0.25); tone(660, 0.3, 0.25); }
      else if (level === "red") { tone(220, 0, 0.45); }
    } catch (e) { /* no audio device: the colour still tells */ }
  }

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt !== form) return;
    if (!input.value.trim()) { event.preventDefault(); return; }
    setTimeout(() => { input.value = ""; }, 0);
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "verdict") return;
    const verdict = event.detail.target.querySelector(".verdict");
    if (verdict) play(verdict.dataset.level);
    // After any verdict the next person's code is scanned: back to the scan field.
    input.focus({ preventScroll: true });
  });
  setInterval(refocus, 1500);
  refocus();
})();
