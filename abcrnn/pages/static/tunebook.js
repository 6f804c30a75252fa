// abcrnn's tune book: draws each tune with abcjs when it scrolls into view, and plays it with
// player.js (a small WebAudio synthesiser driven by abcjs's note timings: works offline).
"use strict";

const book = JSON.parse(document.getElementById("tune-data").textContent);
// The player (player.js, inlined before this script) makes the sound and moves the cursor.

function play(tune, section, button) {
  if (isPlaying(section)) return stopPlaying();
  const qpm = Number(section.querySelector(".tempo input").value) || section.visual.getBpm();
  button.textContent = "Stop";
  const backing = section.querySelector(".backing input");
  startPlaying({ visual: section.visual, root: section, qpm, onStop: () => (button.textContent = "Play"),
                 backing: backing && backing.checked ? tune.backing : null });
  return undefined;
}

function midiLink(tune) {
  const link = document.createElement("a");
  link.textContent = "Download MIDI";
  link.download = tune.midi_name;
  link.href = "data:audio/midi;base64," + tune.midi;
  return link;
}

function musicxmlLink(tune) {
  // The MusicXML travels deflated (it is ten times the ABC); the browser inflates it when asked.
  const link = document.createElement("a");
  link.textContent = "Download MusicXML";
  link.download = tune.musicxml_name;
  link.href = "#";
  link.addEventListener("click", async (event) => {
    if (link.href.startsWith("blob:")) return;
    event.preventDefault();
    const bytes = Uint8Array.from(atob(tune.musicxml), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    const xml = await new Response(stream).blob();
    link.href = URL.createObjectURL(new Blob([xml], { type: "application/vnd.recordare.musicxml+xml" }));
    link.click();
  });
  return link;
}

function backingToggle() {
  const label = document.createElement("label");
  label.className = "backing";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = true;
  label.append(box, " Chords");
  return label;
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
  if (tune.backing && tune.backing.length) controls.append(backingToggle());
  if (tune.midi) controls.append(midiLink(tune));
  if (tune.midi_error) controls.append(" (no MIDI: " + tune.midi_error + ")");
  if (tune.musicxml) controls.append(musicxmlLink(tune));
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

function drawAll() {
  // Printing needs every tune drawn, not only those scrolled near.
  for (const section of document.querySelectorAll("section.tune")) {
    if (!section.visual && !section.querySelector(".notation.failed")) drawTune(section.tune, section);
  }
}

function contentsEntry(tune) {
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = "#tune-" + tune.number;
  link.textContent = tune.heading;
  item.append(link);
  return item;
}

function main() {
  const container = document.getElementById("tunes");
  const contents = document.querySelector("#contents ol");
  window.addEventListener("beforeprint", drawAll);
  window.matchMedia("print").addEventListener("change", (query) => query.matches && drawAll());
  document.getElementById("print").addEventListener("click", () => {
    drawAll();
    window.print();
  });
  const valid = book.tunes.filter((tune) => tune.valid).length;
  document.getElementById("summary").textContent =
    book.tunes.length + " tunes, " + valid + " pass validation. " + book.note;
  // Drawing 200 tunes at once would keep the page blank for seconds: each is drawn when near view.
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        if (!entry.target.visual) drawTune(entry.target.tune, entry.target);
      }
    },
    { rootMargin: "800px" },
  );
  for (const tune of book.tunes) {
    const section = tuneSection(tune);
    section.tune = tune;
    container.append(section);
    contents.append(contentsEntry(tune));
    observer.observe(section);
  }
}

main();
