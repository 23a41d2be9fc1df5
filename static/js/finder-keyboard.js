// On-screen keyboard of the stand finder: French AZERTY, Arabic and Tamazight (the IRCAM
// Tifinagh letters) layouts, no OS keyboard.
// Keys sit where they are on a physical keyboard (Arabic ض on the Q key, top left), so the
// rows are not mirrored in the right-to-left page.
// Each key edits the search field and fires an "input" event, so htmx searches as you type.
(function () {
  "use strict";
  var board = document.getElementById("keyboard");
  if (!board) { return; }
  var input = document.getElementById(board.dataset.target);
  var LAYOUTS = {
    fr: [
      ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"],
      ["a", "z", "e", "r", "t", "y", "u", "i", "o", "p"],
      ["q", "s", "d", "f", "g", "h", "j", "k", "l", "m"],
      ["w", "x", "c", "v", "b", "n", "é", "è", "à", "ç", "'"]
    ],
    ar: [
      ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"],
      ["ض", "ص", "ث", "ق", "ف", "غ", "ع", "ه", "خ", "ح", "ج"],
      ["ش", "س", "ي", "ب", "ل", "ا", "ت", "ن", "م", "ك", "ط"],
      ["ذ", "ء", "ؤ", "ر", "ى", "ة", "و", "ز", "ظ", "د", "ئ"],
      ["أ", "إ", "آ"]
    ],
    zgh: [
      ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"],
      ["ⴰ", "ⴱ", "ⴳ", "ⴷ", "ⴹ", "ⴻ", "ⴼ", "ⴽ", "ⵀ", "ⵃ", "ⵄ"],
      ["ⵅ", "ⵇ", "ⵉ", "ⵊ", "ⵍ", "ⵎ", "ⵏ", "ⵓ", "ⵔ", "ⵕ", "ⵖ"],
      ["ⵙ", "ⵚ", "ⵛ", "ⵜ", "ⵟ", "ⵡ", "ⵢ", "ⵣ", "ⵥ", "ⵯ"]
    ]
  };
  // The layout key toggles between the page's layout and one other, named in its own
  // script: Arabic from a French page, AZERTY from an Arabic or a Tamazight one.
  var SWITCH = { fr: "AZERTY", ar: "عربي", zgh: "ⵜⵉⴼⵉⵏⴰⵖ" };
  var home = LAYOUTS[board.dataset.layout] ? board.dataset.layout : "fr";
  var other = home === "fr" ? "ar" : "fr";
  function next(layout) { return layout === home ? other : home; }

  function changed() {
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function type(text) {
    input.value = (input.value + text).slice(0, input.maxLength > 0 ? input.maxLength : 100);
    changed();
  }
  function button(label, className, action, attrs) {
    var key = document.createElement("button");
    key.type = "button";
    key.className = "key " + (className || "");
    key.textContent = label;
    Object.keys(attrs || {}).forEach(function (name) { key.setAttribute(name, attrs[name]); });
    key.addEventListener("click", function (event) { event.preventDefault(); action(); });
    return key;
  }
  function draw(layout) {
    board.dataset.layout = layout;
    board.textContent = "";
    LAYOUTS[layout].forEach(function (row) {
      var line = document.createElement("div");
      line.className = "key-row";
      row.forEach(function (ch) {
        line.appendChild(button(ch, "char", function () { type(ch); }, { "data-key": ch }));
      });
      board.appendChild(line);
    });
    // The short last letter row (hamza forms in Arabic) shares its line with the special keys.
    var rows = board.querySelectorAll(".key-row");
    var last = rows[rows.length - 1];
    if (last.children.length > 4) {
      last = document.createElement("div");
      last.className = "key-row";
    }
    last.appendChild(button(SWITCH[next(layout)], "wide switch", function () {
      draw(next(layout));
    }, { "data-action": "layout", lang: next(layout) }));
    last.appendChild(button(board.dataset.labelSpace, "space", function () { type(" "); },
      { "data-action": "space" }));
    last.appendChild(button("⌫", "wide", function () {
      input.value = Array.from(input.value).slice(0, -1).join("");
      changed();
    }, { "data-action": "delete", "aria-label": board.dataset.labelDelete }));
    last.appendChild(button(board.dataset.labelClear, "wide", function () {
      input.value = "";
      changed();
    }, { "data-action": "clear" }));
    board.appendChild(last);
  }
  draw(home);
  // On a screen too narrow for it (a phone), the CSS hides this keyboard: give the field
  // back to the device's own keyboard.
  function fit() {
    input.inputMode = board.offsetParent === null ? "search" : "none";
  }
  window.addEventListener("resize", fit);
  fit();
})();
