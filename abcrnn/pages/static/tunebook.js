// abcrnn's tune book: draws each tune with abcjs when it scrolls into view, and plays it with
// player.js (a small WebAudio synthesiser driven by abcjs's note timings: works offline).
"use strict";

const book = JSON.parse(document.getElementById("tune-data").textContent);
// The player (player.js, inlined before this script) makes the sound and moves the cursor.

function play(tune, section, button) {
  if (isPlaying(section)) return stopPlaying();
  const qpm = Number(section.querySelector(".tempo input").value) || section.visual.getBpm();
  button.textContent = "Stop";
  startPlaying({ visual: section.visual, root: section, qpm, onStop: () => (button.textContent = "Play") });
  return undefined;
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
