// Browser camera (staff page): show the device camera, send a downscaled JPEG of it a few
// times a second to the kiosk, and show what the kiosk answers. Decoding and the verdict
// happen on the kiosk; the answer is an HTML fragment (verdict or hint) or 204 (nothing new).
// A verdict plays its sound (verdict-sound.js).
(function () {
  "use strict";
  const main = document.querySelector("[data-frame-url]");
  const url = main.dataset.frameUrl;
  const video = document.getElementById("camera-video");
  const hint = document.getElementById("camera-hint");
  const verdict = document.getElementById("verdict");
  const error = document.getElementById("camera-error");
  const canvas = document.createElement("canvas");
  const FRAMES_PER_SECOND = 4;
  const MAX_WIDTH = 800; // enough pixels for a ticket held at arm's length, small upload

  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  // The page's choices (direction at a gate, session at a workshop door) go with every frame.
  function options() {
    return new URLSearchParams(new FormData(document.getElementById("camera-options"))).toString();
  }

  async function sendFrame() {
    if (!video.videoWidth) return;
    const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
    if (!blob) return;
    const response = await fetch(url + "?" + options(), {
      method: "POST", body: blob, credentials: "same-origin",
      headers: { "Content-Type": "image/jpeg" },
    });
    if (response.status === 204) { hint.textContent = ""; return; }
    if (response.redirected || response.status === 401) { window.location.reload(); return; }
    const html = await response.text();
    if (response.headers.get("X-Camera-Result") === "verdict") {
      verdict.innerHTML = html;
      hint.textContent = "";
      htmx.process(verdict); // an entry verdict goes back to "ready" by itself; undo buttons work
      const shown = verdict.querySelector(".verdict");
      if (shown) window.verdictSound.play(shown.dataset.level);
      verdict.dispatchEvent(new CustomEvent("camera:verdict", { bubbles: true }));
    } else {
      hint.innerHTML = html;
    }
  }

  async function run() {
    for (;;) {
      const started = performance.now();
      try { await sendFrame(); } catch (e) { /* kiosk unreachable for a moment: try again */ }
      await sleep(Math.max(0, 1000 / FRAMES_PER_SECOND - (performance.now() - started)));
    }
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    error.hidden = false; // plain HTTP from another host: browsers hide the camera
    return;
  }
  navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false,
  }).then((stream) => {
    video.srcObject = stream;
    return video.play();
  }).then(run).catch(() => { error.hidden = false; });
})();
