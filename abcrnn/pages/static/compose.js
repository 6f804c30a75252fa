// abcrnn serve's page: compose tunes with the model, hear, transpose and edit them, keep a tune book.
// Everything it shows comes from this server's JSON API (see /openapi.json); abcjs draws the music
// and player.js plays it. Text from the model or the book is only ever set as textContent.
"use strict";

let model = null; // what /api/model says: menus, defaults, limits, characters
const form = document.getElementById("compose-form");
const statusLine = document.getElementById("status");
const progressBar = document.getElementById("progress");

async function api(method, path, body) {
  // A JSON request; a refusal becomes an Error carrying the server's one-line message.
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (!response.ok) {
    const answer = await response.json().catch(() => ({ error: response.statusText }));
    throw new Error(answer.error || "the server refused (" + response.status + ")");
  }
  return response;
}

function say(message, isError) {
  statusLine.textContent = message;
  statusLine.classList.toggle("error", Boolean(isError));
}

function fillSelect(select, values, first) {
  select.replaceChildren();
  for (const [value, label] of first ? [first, ...values.map((v) => [v, v])] : values.map((v) => [v, v])) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
}

function fillMeters() {
  const rhythm = form.rhythm.value;
  const meters = rhythm === "any" ? [...new Set(Object.values(model.meters).flat())] : model.meters[rhythm] || [];
  fillSelect(form.meter, meters, ["", rhythm === "any" ? "(any)" : "(the rhythm's own)"]);
}

async function loadModel() {
  model = await (await api("GET", "/api/model")).json();
  const bits = model.validation_bits_per_char;
  document.getElementById("model-line").textContent =
    "model: " + model.model + (bits ? ", " + bits.toFixed(3) + " bits per character on held-out tunes" : "");
  fillSelect(form.rhythm, [...model.rhythms, "any"]);
  form.rhythm.value = model.rhythms.includes("jig") ? "jig" : model.rhythms[0] || "any";
  fillMeters();
  fillSelect(form.key, model.keys, ["", "(any)"]);
  for (const name of ["temperature", "header_temperature", "top_p", "fresh_top_p", "fresh_temperature", "best_of"]) {
    form[name].value = model.defaults[name] ?? "";
  }
  form.n.max = model.limits.tunes;
  form.best_of.max = model.limits.best_of;
  fillSelect(document.getElementById("book-filter"), model.rhythms, ["", "all"]);
  document.querySelectorAll(".to-key").forEach((select) => addKeys(select));
}

function addKeys(select) {
  for (const key of model.keys) {
    const option = document.createElement("option");
    option.value = key;
    option.textContent = key;
    select.append(option);
  }
}

function formSettings() {
  // The compose form as the API takes it; an unlocked seed lets the server draw one.
  const number = (name) => Number(form[name].value);
  return {
    n: number("n"), rhythm: form.rhythm.value, meter: form.meter.value || null, key: form.key.value || null,
    title: form.title.value.trim() || null, temperature: number("temperature"),
    header_temperature: number("header_temperature"), top_p: number("top_p"), fresh_top_p: number("fresh_top_p"),
    fresh_temperature: form.fresh_temperature.value === "" ? null : number("fresh_temperature"),
    best_of: number("best_of"),
    seed: form.lock_seed.checked && form.seed.value !== "" ? number("seed") : null, start: form.start.value,
    chords: form.chords.checked,
  };
}

async function compose(settings, placeAfter) {
  // Send a compose request and add its tunes as each round of them arrives; returns when done.
  const button = document.getElementById("compose-button");
  button.disabled = true;
  progressBar.hidden = false;
  progressBar.max = settings.n;
  progressBar.value = 0;
  say("Composing " + settings.n + (settings.n === 1 ? " tune" : " tunes") + "\u2026");
  let after = placeAfter || null;
  let seed = null;
  try {
    const response = await api("POST", "/api/compose", settings);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop();
      for (const line of lines.filter(Boolean)) {
        const event = JSON.parse(line);
        if (event.event === "start") {
          seed = event.seed;
          if (!placeAfter) form.seed.value = String(seed);
        } else if (event.event === "progress") {
          progressBar.value = event.done;
          say("Composing: " + event.done + " of " + event.total + " sampled\u2026");
        } else if (event.event === "tunes") {
          // Each tune keeps its own seed: composing one tune with it and these settings makes it again.
          for (const tune of event.tunes) after = addTune(tune, { ...settings, seed: tune.seed ?? seed }, after);
          if (event.notes.length) say(event.notes.join(" "));
        } else if (event.event === "error") {
          throw new Error(event.message);
        } else if (event.event === "done") {
          say(settings.n + (settings.n === 1 ? " tune" : " tunes") + " composed with seed " + seed + ".");
        }
      }
    }
  } catch (error) {
    say(error.message, true);
  } finally {
    button.disabled = false;
    progressBar.hidden = true;
  }
}

function addTune(entry, settings, after) {
  // A card for one tune, placed after `after` (or at the top); returns the card.
  const card = document.getElementById("tune-template").content.firstElementChild.cloneNode(true);
  card.settings = settings;
  card.entry = entry;
  addKeys(card.querySelector(".to-key"));
  const editor = card.querySelector(".abc");
  editor.value = entry.abc;
  if (entry.tempo) card.querySelector(".tempo input").value = String(entry.tempo); // as the MIDI plays it
  showVerdict(card, entry.valid, entry.errors);
  const tunes = document.getElementById("tunes");
  if (after && after.parentNode === tunes) after.after(card);
  else tunes.prepend(card);
  draw(card);
  wire(card);
  return card;
}

function showVerdict(card, valid, errors) {
  const verdict = card.querySelector(".verdict");
  verdict.className = "verdict " + (valid ? "valid" : "invalid");
  verdict.textContent = valid ? "valid" : "invalid: " + errors.slice(0, 3).join("; ");
}

function draw(card) {
  const abc = card.querySelector(".abc").value;
  const notation = card.querySelector(".notation");
  const heading = abc.match(/^T:(.*)$/m);
  card.querySelector(".heading").textContent = heading ? heading[1].trim() : "(untitled)";
  card.chosen = null;
  card.querySelector(".more-bar").disabled = true;
  try {
    card.visual = ABCJS.renderAbc(notation, abc, {
      add_classes: true,
      responsive: "resize",
      clickListener: (element) => choose(card, element),
    })[0];
    const tempo = card.querySelector(".tempo input");
    if (!tempo.value) tempo.value = String(Math.round(card.visual.getBpm()));
  } catch (error) {
    notation.textContent = "This tune cannot be drawn: " + error.message;
  }
}

function choose(card, element) {
  // A clicked note: "continue after the chosen bar" keeps the tune through that note's bar.
  if (element.startChar === undefined || element.startChar < 0) return;
  card.chosen = element.startChar;
  card.querySelectorAll(".chosen").forEach((note) => note.classList.remove("chosen"));
  (element.abselem && element.abselem.elemset ? element.abselem.elemset : []).forEach((note) =>
    note.classList.add("chosen"));
  card.querySelector(".more-bar").disabled = false;
}

const checking = new WeakMap(); // card -> timer of the next check of its edited ABC

function edited(card) {
  // The ABC box changed: redraw now, and check it again once typing pauses.
  if (isPlaying(card)) stopPlaying();
  draw(card);
  clearTimeout(checking.get(card));
  checking.set(card, setTimeout(() => check(card), 400));
}

async function check(card) {
  try {
    const answer = await (await api("POST", "/api/check", { abc: card.querySelector(".abc").value })).json();
    const errors = answer.tunes.flatMap((tune) => tune.errors);
    showVerdict(card, errors.length === 0, errors);
  } catch (error) {
    showVerdict(card, false, [error.message]);
  }
}

function note(card, message) {
  card.querySelector(".note").textContent = message;
}

async function transpose(card, change) {
  const editor = card.querySelector(".abc");
  try {
    const answer = await (await api("POST", "/api/transpose", { abc: editor.value, ...change })).json();
    editor.value = answer.abc;
    edited(card);
  } catch (error) {
    note(card, error.message);
  }
}

async function download(card, path, body, fallbackName) {
  // Ask the server for a file made from the card's tune and hand it to the browser to keep.
  try {
    const response = await api("POST", path, { abc: card.querySelector(".abc").value, ...body });
    const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = name ? name[1] : fallbackName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) {
    note(card, error.message);
  }
}

function downloadMidi(card) {
  const tempo = Number(card.querySelector(".tempo input").value) || null;
  return download(card, "/api/midi", { tempo }, "tune.mid");
}

async function addChords(card) {
  try {
    const editor = card.querySelector(".abc");
    editor.value = (await (await api("POST", "/api/chords", { abc: editor.value })).json()).abc;
    edited(card);
  } catch (error) {
    note(card, error.message);
  }
}

async function backingFor(card) {
  // The accompaniment of the card's guitar chords, as the MIDI plays it; none without chords.
  const abc = card.querySelector(".abc").value;
  if (!card.querySelector(".backing").checked || !abc.includes('"')) return null;
  try {
    return (await (await api("POST", "/api/backing", { abc })).json()).backing;
  } catch (error) {
    note(card, error.message);
    return null;
  }
}

async function save(card) {
  try {
    const settings = { ...card.settings };
    delete settings.n;
    const saved = await (await api("POST", "/api/book", { abc: card.querySelector(".abc").value, settings })).json();
    note(card, "Saved in the tune book as \u201c" + saved.title + "\u201d.");
    refreshBook();
  } catch (error) {
    note(card, error.message);
  }
}

async function moreLikeThis(card, through) {
  // Keep the start of this tune (its first part, or through the chosen bar) and sample the rest again.
  try {
    const body = { abc: card.querySelector(".abc").value };
    if (through !== null) body.through = through;
    const opening = await (await api("POST", "/api/opening", body)).json();
    const settings = formSettings(); // the form's, with the settings that made this tune where it has them
    for (const name of Object.keys(settings)) if (card.settings && card.settings[name] !== undefined) settings[name] = card.settings[name];
    Object.assign(settings, { n: 1, start: opening.start, rhythm: "any", meter: null, key: null, title: null,
                              seed: formSettings().seed });
    await compose(settings, card);
  } catch (error) {
    note(card, error.message);
  }
}

function wire(card) {
  const button = card.querySelector(".play");
  button.addEventListener("click", async () => {
    if (isPlaying(card)) return stopPlaying();
    if (!card.visual) return undefined;
    button.textContent = "Stop";
    const backing = await backingFor(card);
    startPlaying({
      visual: card.visual, root: card, qpm: Number(card.querySelector(".tempo input").value) || null,
      loop: () => card.querySelector(".loop").checked, countIn: card.querySelector(".count-in").checked,
      onStop: () => (button.textContent = "Play"), backing,
    });
    return undefined;
  });
  card.querySelector(".abc").addEventListener("input", () => edited(card));
  card.querySelector(".up").addEventListener("click", () => transpose(card, { semitones: 1 }));
  card.querySelector(".down").addEventListener("click", () => transpose(card, { semitones: -1 }));
  card.querySelector(".to-key").addEventListener("change", (event) => {
    if (event.target.value) transpose(card, { to: event.target.value });
    event.target.value = "";
  });
  card.querySelector(".midi").addEventListener("click", () => downloadMidi(card));
  card.querySelector(".musicxml").addEventListener("click", () => download(card, "/api/musicxml", {}, "tune.musicxml"));
  card.querySelector(".add-chords").addEventListener("click", () => addChords(card));
  card.querySelector(".save").addEventListener("click", () => save(card));
  card.querySelector(".more-part").addEventListener("click", () => moreLikeThis(card, null));
  card.querySelector(".more-bar").addEventListener("click", () => moreLikeThis(card, card.chosen));
}

async function refreshBook() {
  const rhythm = document.getElementById("book-filter").value;
  const query = rhythm ? "?rhythm=" + encodeURIComponent(rhythm) : "";
  const exports = [["export-abc", "export.abc"], ["export-midi", "export.zip"],
                   ["export-musicxml", "export-musicxml.zip"], ["export-page", "export.html"]];
  for (const [id, path] of exports) {
    document.getElementById(id).href = "/api/book/" + path + query;
  }
  const list = document.getElementById("book");
  try {
    const answer = await (await api("GET", "/api/book" + query)).json();
    list.replaceChildren(...answer.tunes.map(bookEntry));
    if (!answer.tunes.length) list.textContent = "No tunes saved yet.";
  } catch (error) {
    list.textContent = error.message;
  }
}

function bookEntry(tune) {
  const item = document.createElement("li");
  item.dataset.id = String(tune.id);
  const title = document.createElement("input");
  title.value = tune.title;
  title.title = "rename: type and press Enter";
  title.addEventListener("change", async () => {
    try {
      await api("PATCH", "/api/book/" + tune.id, { title: title.value });
      refreshBook();
    } catch (error) {
      say(error.message, true);
    }
  });
  const open = document.createElement("button");
  open.textContent = "Open";
  open.type = "button";
  open.addEventListener("click", () => {
    const entry = { abc: tune.abc, valid: true, errors: [] };
    check(addTune(entry, tune.settings, null));
  });
  const remake = document.createElement("button");
  remake.textContent = "Remake";
  remake.type = "button";
  remake.title = "compose this tune again from its seed and settings";
  remake.disabled = tune.settings.seed === undefined || tune.settings.seed === null;
  remake.addEventListener("click", () => compose({ ...formSettings(), ...tune.settings, n: 1 }, null));
  const remove = document.createElement("button");
  remove.textContent = "Delete";
  remove.type = "button";
  remove.addEventListener("click", async () => {
    await api("DELETE", "/api/book/" + tune.id).catch((error) => say(error.message, true));
    refreshBook();
  });
  const about = document.createElement("span");
  about.className = "note";
  about.textContent = " " + (tune.rhythm || "") + (tune.settings.seed !== undefined ? ", seed " + tune.settings.seed : "");
  item.append(title, " ", open, " ", remake, " ", remove, about);
  return item;
}

form.rhythm.addEventListener("change", fillMeters);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  compose(formSettings(), null);
});
document.getElementById("book-filter").addEventListener("change", refreshBook);
loadModel()
  .then(refreshBook)
  .catch((error) => say("Cannot reach the server: " + error.message, true));
