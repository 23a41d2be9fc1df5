// Session door: keep the scanner's input focused (a keyboard-wedge scanner types into
// whatever has focus) unless staff are typing a name, clear it after each scan, and
// play a short sound for the verdict (verdict-sound.js), also for a camera verdict
// (camera.js passes its out-of-band swap on as htmx:afterSwap).
(function () {
  "use strict";
  const input = document.getElementById("code");
  const form = document.getElementById("scan-form");

  function typingElsewhere() {
    const active = document.activeElement;
    return active && active !== input && (active.tagName === "INPUT" || active.tagName === "SELECT");
  }

  function refocus() {
    if (document.activeElement === input || typingElsewhere()) return;
    input.focus({ preventScroll: true });
  }

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt !== form) return;
    if (!input.value.trim()) { event.preventDefault(); return; }
    setTimeout(() => { input.value = ""; }, 0);
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "verdict") return;
    const verdict = event.detail.target.querySelector(".verdict");
    if (verdict) window.verdictSound.play(verdict.dataset.level);
    // After any verdict the next person's code is scanned: back to the scan field.
    input.focus({ preventScroll: true });
  });
  setInterval(refocus, 1500);
  refocus();
})();
