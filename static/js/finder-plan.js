// The finder's plan zooms and pans: pinch and drag on a touch screen or a phone, the wheel
// with a mouse, and the +, − and whole-plan buttons (shown only when this script runs).
(function () {
  "use strict";
  var svg = document.getElementById("plan");
  var buttons = document.getElementById("plan-zoom");
  if (!svg || !window.Panzoom) { return; }
  var zoom = window.Panzoom(svg, { minScale: 1, maxScale: 8, contain: "outside", step: 0.5 });
  svg.parentElement.addEventListener("wheel", zoom.zoomWithWheel);
  if (!buttons) { return; }
  buttons.hidden = false;
  buttons.addEventListener("click", function (event) {
    var action = event.target.closest("[data-zoom]");
    if (!action) { return; }
    if (action.dataset.zoom === "in") { zoom.zoomIn(); }
    else if (action.dataset.zoom === "out") { zoom.zoomOut(); }
    else { zoom.reset(); }
  });
})();
