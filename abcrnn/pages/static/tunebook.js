// abcrnn's tune book: draws each tune with abcjs when it scrolls into view, and plays it with a
// small WebAudio synthesiser driven by abcjs's note timings (no sound files: works offline).
"use strict";

const book = JSON.parse(document.getElementById("tune-data").textContent);
let audio = null; // one AudioContext for the page, made on the first press of play
let playing = null; // {timer, tune, stop()} of the tune now playing

function synthNote(pitch, seconds, volume) {
  // A plucked-string tone: two detuned triangle waves under a fast attack and exponential decay.
  const now = audio.currentTime;
  const gain = audio.createGain();
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.25 * volume, now + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + Math.max(0.08, seconds));
  gain.connect(audio.destination);
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

function highlight(section, elements) {
  section.querySelectorAll(".playing").forEach((element) => element.classList.remove("playing"));
  for (const group of elements || []) for (const element of group) element.classList.add("playing");
}

function stop() {
  if (!playing) return;
  playing.timing.stop();
  highlight(playing.section, []);
  playing.button.textContent = "Play";
  playing = null;
}

function play(tune, section, button) {
  if (playing && playing.section === section) return stop();
  stop();
  audio = audio || new (window.AudioContext || window.webkitAudioContext)();
  audio.resume();
  const visual = section.visual;
  visual.setUpAudio();
  const qpm = Number(section.querySelector(".tempo input").value) || visual.getBpm();
  const meter = visual.getMeterFraction();
  const wholeNoteMs = (visual.millisecondsPerMeasure(qpm) * meter.den) / meter.num;
  const timing = new ABCJS.TimingCallbacks(visual, {
    qpm: qpm,
    eventCallback: (event) => {
      if (!event) return stop();
      highlight(section, event.elements);
      for (const note of event.midiPitches || []) {
        synthNote(note.pitch, (note.duration * wholeNoteMs) / 1000, (note.volume || 80) / 127);
      }
      return undefined;
    },
  });
  playing = { timing, section, button };
  button.textContent = "Stop";
  timing.start();
}

function midiLink(tune) {
  const link = document.createElement("a");
  link.textContent = "Download MIDI";
  link.download = tune.midi_name;
  link.href = "data:audio/midi;base64," + tune.midi;
  return link;
}

function drawTune(tune, section) {
  const notation = section.querySelector(".notation");
  try {
    section.visual = ABCJS.renderAbc(notation, tune.abc, { add_classes: true, responsive: "resize" })[0];
    const input = section.querySelector(".tempo input");
    if (!input.value) input.value = String(Math.round(section.visual.getBpm()));
  } catch (error) {
    notation.classList.add("failed");
    notation.textContent = "This tune cannot be drawn: " + error.message;
  }
}

function tuneSection(tune) {
  const section = document.createElement("section");
  section.className = "tune";
  section.id = "tune-" + tune.number;
  const heading = document.createElement("h2");
  heading.textContent = tune.heading;
  const controls = document.createElement("div");
  controls.className = "controls";
  const button = document.createElement("button");
  button.className = "play";
  button.textContent = "Play";
  button.addEventListener("click", () => play(tune, section, button));
  const tempo = document.createElement("label");
  tempo.className = "tempo";
  tempo.textContent = "Tempo ";
  const input = document.createElement("input");
  input.type = "number";
  input.min = "20";
  input.max = "400";
  input.value = tune.tempo ? String(tune.tempo) : "";
  tempo.append(input, " beats a minute");
  const verdict = document.createElement("span");
  verdict.className = "verdict " + (tune.valid ? "valid" : "invalid");
  verdict.textContent = tune.verdict;
  controls.append(button, tempo, verdict);
  if (tune.midi) controls.append(midiLink(tune));
  if (tune.midi_error) controls.append(" (no MIDI: " + tune.midi_error + ")");
  const notation = document.createElement("div");
  notation.className = "notation";
  const text = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "ABC";
  const pre = document.createElement("pre");
  pre.textContent = tune.abc;
  text.append(summary, pre);
  section.append(heading, controls, notation, text);
  return section;
}

function main() {
  const container = document.getElementById("tunes");
  const valid = book.tunes.filter((tune) => tune.valid).length;
  document.getElementById("summary").textContent =
    book.tunes.length + " tunes, " + valid + " pass validation. " + book.note;
  // Drawing 200 tunes at once would keep the page blank for seconds: each is drawn when near view.
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        drawTune(entry.target.tune, entry.target);
      }
    },
    { rootMargin: "800px" },
  );
  for (const tune of book.tunes) {
    const section = tuneSection(tune);
    section.tune = tune;
    container.append(section);
    observer.observe(section);
  }
}

main();
