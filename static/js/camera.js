// Entry screen with a camera: a camera verdict arrives out of band (htmx swaps it into
// #verdict from the polled camera line). entry.js plays the verdict's sound and puts the
// focus back on htmx:afterSwap of #verdict, which htmx fires only for ordinary swaps, so
// pass the out-of-band swap on under that name.
(function () {
  "use strict";
  document.body.addEventListener("htmx:oobAfterSwap", (event) => {
    const target = event.detail.target;
    if (!target || target.id !== "verdict") return;
    target.dispatchEvent(new CustomEvent("htmx:afterSwap", { bubbles: true, detail: { target: target } }));
  });
})();
