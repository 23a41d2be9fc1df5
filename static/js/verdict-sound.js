// The verdict's sound with Web Audio (no sound files to load), shared by the entry
// screen, the session door and the browser-camera page: verdictSound.play(level) with
// level "green", "amber" or "red"; anything else is silent.
window.verdictSound = (function () {
  "use strict";
  let audio = null;

  function tone(freq, start, length, type) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type || "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.4, audio.currentTime + start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length + 0.05);
  }

  const SOUNDS = {
    green: () => { tone(880, 0, 0.12); tone(1320, 0.13, 0.18); },
    amber: () => { tone(660, 0, 0.25, "triangle"); tone(660, 0.3, 0.25, "triangle"); },
    red: () => { tone(220, 0, 0.45, "square"); },
  };

  function play(level) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      (SOUNDS[level] || (() => {}))();
    } catch (e) { /* no audio device: the colour still tells */ }
  }

  return { play: play };
})();
