// Stand finder kiosk: after FINDER_IDLE_SECONDS without a touch, go back to the attract
// screen, which forgets the language; the search lives only in the page, so it goes too.
(function () {
  "use strict";
  var root = document.getElementById("finder");
  if (!root) { return; }
  var seconds = parseFloat(root.dataset.idleSeconds || "60");
  if (!(seconds > 0) || root.dataset.atRest === "1") { return; }
  var timer = null;
  function reset() {
    window.location.replace(root.dataset.attractUrl);
  }
  function arm() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(reset, seconds * 1000);
  }
  ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true, capture: true });
  });
  arm();
})();
