// The layout checks of tests/test_screens_layout_browser.py, run in the page: the problems
// found, as sentences (none: the page passes). Arguments: the smallest touch target (px), the
// smallest text (px), and English message ids that must not show on this page. ``width`` is the
// screen's: a mobile browser widens its layout viewport (innerWidth) to content that overflows.
([width, touch, smallest, english]) => {
  const problems = [];
  // The part of an element not cut off by a scrolling or clipping box around it.
  const shown = el => {
    const r = el.getBoundingClientRect();
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const s = getComputedStyle(box);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const c = box.getBoundingClientRect();
      [left, top, right, bottom] = [Math.max(left, c.left), Math.max(top, c.top), Math.min(right, c.right), Math.min(bottom, c.bottom)];
    }
    return {left, top, right, bottom};
  };
  const seen = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el), v = shown(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && v.right - v.left > 0 && v.bottom - v.top > 0; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  const doc = document.documentElement;
  if (Math.max(doc.scrollWidth, innerWidth) > width) problems.push(`page ${Math.max(doc.scrollWidth, innerWidth)} px wide in ${width}`);
  const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), summary, select')]
    .filter(el => seen(el) && !el.closest('svg, .visually-hidden'));
  for (const el of targets) {
    const r = el.getBoundingClientRect();
    if (Math.round(r.width) < touch || Math.round(r.height) < touch)
      problems.push(`touch target ${Math.round(r.width)}x${Math.round(r.height)}: ${name(el)}`);
  }
  for (let i = 0; i < targets.length; i++) for (let j = i + 1; j < targets.length; j++) {
    const a = shown(targets[i]), b = shown(targets[j]);
    if (targets[i].contains(targets[j]) || targets[j].contains(targets[i])) continue;
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 2 && h > 2) problems.push(`overlap: ${name(targets[i])} / ${name(targets[j])}`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const reported = new Set();
  const pageText = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('svg, script, style, [hidden], .visually-hidden') || !seen(el)) continue;
    // text marked as another language (the invitation in every language, an exhibitor's own words)
    if (el.closest('[lang]').lang === document.documentElement.lang) pageText.push(node.textContent);
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest && !reported.has(el)) { reported.add(el); problems.push(`text ${size} px: ${name(el)}`); }
    for (let box = el; box && box !== document.body; box = box.parentElement) {
      const s = getComputedStyle(box);
      if (['hidden', 'clip'].includes(s.overflowX) && box.scrollWidth > box.clientWidth + 1 && !reported.has(box)) {
        reported.add(box); problems.push(`clipped text: ${name(box)}`);
      }
    }
  }
  const text = pageText.join(' ').replace(/\s+/g, ' ');
  for (const message of english) if (text.includes(message)) problems.push(`untranslated: "${message}"`);
  if (document.documentElement.lang === 'ar') {
    if (document.documentElement.dir !== 'rtl') problems.push('Arabic page not right to left');
    const header = document.querySelector('header');
    const first = header && [...header.children].find(seen);
    if (first && first.getBoundingClientRect().right < width / 2)
      problems.push(`Arabic header starts at the left: ${name(first)}`);
  }
  return problems;
}
