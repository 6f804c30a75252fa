// abcrnn's player, shared by the tune book page and the compose page: plays a tune drawn by abcjs
// with a small WebAudio synthesiser driven by abcjs's note timings (no sound files: works offline),
// highlighting each note as it sounds. Optional: a count-in bar of clicks, looping, and the
// accompaniment of the tune's guitar chords (bass and chord notes in quarter notes from the start,
// as abcrnn's MIDI plays them).
"use strict";

let audio = null; // one AudioContext for the page, made on the first press of play
let playing = null; // {timing, root, onStop, timers} of the tune now playing

function synthNote(pitch, seconds, volume, delay = 0, output = null) {
  // A plucked-string tone: two detuned triangle waves under a fast attack and exponential decay,
  // starting `delay` seconds from now.
  const now = audio.currentTime + delay;
  const gain = audio.createGain();
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.25 * volume, now + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + Math.max(0.08, seconds));
  gain.connect(output || audio.destination);
  const frequency = 440 * Math.pow(2, (pitch - 69) / 12);
  for (const detune of [-4, 4]) {
    const oscillator = audio.createOscillator();
    oscillator.type = "triangle";
    oscillator.frequency.value = frequency;
    oscillator.detune.value = detune;
    oscillator.connect(gain);
    oscillator.start(now);
    oscillator.stop(now + Math.max(0.08, seconds) + 0.05);
  }
}

function click(accent) {
  // A count-in click: a short high blip, the bar's first beat higher.
  const now = audio.currentTime;
  const gain = audio.createGain();
  gain.gain.setValueAtTime(0.3, now);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.06);
  gain.connect(audio.destination);
  const oscillator = audio.createOscillator();
  oscillator.frequency.value = accent ? 1760 : 1320;
  oscillator.connect(gain);
  oscillator.start(now);
  oscillator.stop(now + 0.07);
}

function highlight(root, elements) {
  root.querySelectorAll(".playing").forEach((element) => element.classList.remove("playing"));
  for (const group of elements || []) for (const element of group) element.classList.add("playing");
}

function playBacking(backing, quarterMs) {
  // Schedule the accompaniment from now, on a gain node of its own that stopping disconnects.
  const output = audio.createGain();
  output.gain.value = 0.6;
  output.connect(audio.destination);
  for (const [offset, length, pitch, velocity] of backing) {
    synthNote(pitch, (length * quarterMs) / 1000, velocity / 127, (offset * quarterMs) / 1000, output);
  }
  return output;
}

function stopPlaying() {
  if (!playing) return;
  const { timing, root, onStop, timers } = playing;
  if (playing.backing) playing.backing.disconnect();
  playing = null;
  timers.forEach(clearTimeout);
  timing.stop();
  highlight(root, []);
  if (onStop) onStop();
}

function isPlaying(root) {
  return Boolean(playing && playing.root === root);
}

function beatsPerBar(visual) {
  // Compound meters (6/8, 9/8, 12/8) are counted in dotted quarters: 6/8 is two beats.
  const meter = visual.getMeterFraction();
  return meter.den === 8 && meter.num % 3 === 0 && meter.num > 3 ? meter.num / 3 : meter.num;
}

function startPlaying({ visual, root, qpm, loop, countIn, onStop, backing }) {
  // Play `visual` (an abcjs tune) at `qpm` beats a minute, highlighting notes inside `root`,
  // with `backing` ([offset, length, pitch, velocity] in quarter notes) beside it.
  stopPlaying();
  audio = audio || new (window.AudioContext || window.webkitAudioContext)();
  audio.resume();
  visual.setUpAudio();
  qpm = qpm || visual.getBpm();
  const meter = visual.getMeterFraction();
  const wholeNoteMs = (visual.millisecondsPerMeasure(qpm) * meter.den) / meter.num;
  const begin = () => {
    if (playing.backing) playing.backing.disconnect();
    playing.backing = backing && backing.length ? playBacking(backing, wholeNoteMs / 4) : null;
    timing.start();
  };
  const timing = new ABCJS.TimingCallbacks(visual, {
    qpm: qpm,
    eventCallback: (event) => {
      if (!playing || playing.timing !== timing) return undefined;
      if (!event) {
        if (typeof loop === "function" ? loop() : loop) {
          highlight(root, []);
          timing.setProgress(0);
          begin();
          return undefined;
        }
        stopPlaying();
        return undefined;
      }
      highlight(root, event.elements);
      for (const note of event.midiPitches || []) {
        synthNote(note.pitch, (note.duration * wholeNoteMs) / 1000, (note.volume || 80) / 127);
      }
      return undefined;
    },
  });
  playing = { timing, root, onStop, timers: [], backing: null };
  if (!countIn) {
    begin();
    return;
  }
  const beats = beatsPerBar(visual);
  const beatMs = visual.millisecondsPerMeasure(qpm) / beats;
  for (let beat = 0; beat < beats; beat++) {
    playing.timers.push(setTimeout(() => click(beat === 0), beat * beatMs));
  }
  playing.timers.push(setTimeout(begin, beats * beatMs));
}
