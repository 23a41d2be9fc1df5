// Kids' space screens: a handheld scanner types the receipt into the focused code input
// (like the entry screen); after a pick-up look-up or a drop-off the form is cleared.
(function () {
  "use strict";
  const code = document.getElementById("code");
  if (code) {
    const refocus = () => {
      const active = document.activeElement;
      if (!active || active === document.body) code.focus({ preventScroll: true });
    };
    document.body.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.elt && event.detail.elt.id === "pick-up-form") code.value = "";
      refocus();
    });
    refocus();
  }
  const dropOff = document.getElementById("drop-off-form");
  if (dropOff) {
    document.body.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.elt !== dropOff || !event.detail.successful) return;
      dropOff.reset();
      // The code must be read out now: bring it into view on a short tablet screen.
      document.getElementById("drop-off-result").scrollIntoView({ block: "nearest" });
      dropOff.querySelectorAll("#children .child").forEach((row, index) => { if (index > 0) row.remove(); });
    });
    // A refusal (full) or a mistake answers an error status with a fragment: show it.
    document.body.addEventListener("htmx:beforeSwap", (event) => {
      if (event.detail.requestConfig.elt === dropOff && event.detail.xhr.status >= 400) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
  }
})();
