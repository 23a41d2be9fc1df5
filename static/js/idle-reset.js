// Public kiosk screens (stand finder, programme): after data-idle-seconds without a touch, go
// back to the start screen, which forgets the language; the search lives only in the page, so
// it goes too. The last seconds show a countdown that any touch cancels, so a visitor who is
// reading is not thrown out without warning.
(function () {
  "use strict";
  var root = document.querySelector("[data-idle-seconds]");
  if (!root) { return; }
  var seconds = parseFloat(root.dataset.idleSeconds || "60");
  if (!(seconds > 0) || root.dataset.atRest === "1") { return; }
  var warn = Math.min(10, Math.floor(seconds / 2));
  var box = document.getElementById("idle-countdown");
  var number = box && box.querySelector(".idle-seconds");
  var quiet = null;
  var tick = null;
  var left = 0;
  function reset() {
    window.location.replace(root.dataset.resetUrl);
  }
  function count() {
    left -= 1;
    if (left <= 0) { reset(); return; }
    number.textContent = String(left);
  }
  function warnNow() {
    if (!box || warn < 1) { reset(); return; }
    left = warn;
    number.textContent = String(left);
    box.hidden = false;
    tick = window.setInterval(count, 1000);
  }
  function arm() {
    if (quiet) { window.clearTimeout(quiet); }
    if (tick) { window.clearInterval(tick); tick = null; }
    if (box) { box.hidden = true; }
    quiet = window.setTimeout(warnNow, (seconds - warn) * 1000);
  }
  ["pointerdown", "keydown", "input", "wheel", "touchstart", "scroll"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true, capture: true });
  });
  arm();
})();
