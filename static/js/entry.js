// Entry kiosk: what only the browser can do. Keep the scanner's input focused (a
// keyboard-wedge scanner types into whatever has focus), clear it after each scan,
// and play the verdict's sound (verdict-sound.js).
(function () {
  "use strict";
  const input = document.getElementById("code");
  const form = document.getElementById("scan-form");

  function refocus() {
    if (document.activeElement === input) return;
    const active = document.activeElement;
    // Leave focus alone while someone uses another control (a direction button).
    if (active && active !== document.body && form.contains(active) && active.type === "radio") return;
    input.focus({ preventScroll: true });
  }

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt === form) {
      const value = input.value;
      if (!value.trim()) { event.preventDefault(); return; }
      input.value = "";
    }
  });
  // A scan the server could not decide answers an error status with the red "call
  // staff" fragment: show it (htmx leaves the screen as it was on errors by default).
  // Any other failed answer, or no answer at all, shows the same state from the page.
  const callStaff = document.getElementById("call-staff").innerHTML;
  const fromForm = (detail) => detail.requestConfig && detail.requestConfig.elt === form;
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (!fromForm(event.detail) || event.detail.xhr.status < 400) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    if (!event.detail.serverResponse.includes('data-level="call-staff"')) {
      event.detail.serverResponse = callStaff;
    }
  });
  document.body.addEventListener("htmx:sendError", (event) => {
    if (!fromForm(event.detail)) return;
    document.getElementById("verdict").innerHTML = callStaff;
    window.verdictSound.play("red");
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "verdict") return;
    const verdict = event.detail.target.querySelector(".verdict");
    if (verdict) window.verdictSound.play(verdict.dataset.level === "call-staff" ? "red" : verdict.dataset.level);
    // An exit recorded by staff is one scan: the next visitor's scan is an entry again.
    const entry = form.querySelector("input[name=direction][value=in]");
    if (entry) entry.checked = true;
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
