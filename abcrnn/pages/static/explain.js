// abcrnn's explain page: the tune, one row of columns per line, each column a character shaded by a
// cell's activation with the model's top guesses for the next character beneath it.
"use strict";

const data = JSON.parse(document.getElementById("explain-data").textContent);

function shown(character) {
  return character === " " ? "␣" : character === "\n" ? "⏎" : character;
}

function activationColour(value) {
  const strength = Math.min(1, Math.abs(value));
  return value >= 0 ? `rgba(214, 39, 40, ${strength})` : `rgba(31, 119, 180, ${strength})`;
}

function draw(cellIndex) {
  const cell = data.cells[cellIndex];
  const tune = document.getElementById("tune");
  tune.replaceChildren();
  let line = document.createElement("div");
  line.className = "line";
  data.characters.forEach((character, position) => {
    const column = document.createElement("div");
    column.className = "column";
    const shownCharacter = document.createElement("span");
    shownCharacter.className = "character";
    shownCharacter.textContent = shown(character);
    shownCharacter.style.background = activationColour(cell.activations[position]);
    shownCharacter.title = `cell ${cell.cell}: ${cell.activations[position]}`;
    column.append(shownCharacter);
    for (const [guess, probability] of data.guesses[position]) {
      const guessed = document.createElement("span");
      guessed.className = "guess";
      guessed.textContent = shown(guess);
      guessed.style.background = `rgba(44, 160, 44, ${probability})`;
      guessed.title = `${Math.round(probability * 100)}%`;
      column.append(guessed);
    }
    line.append(column);
    if (character === "\n") {
      tune.append(line);
      line = document.createElement("div");
      line.className = "line";
    }
  });
  tune.append(line);
}

function main() {
  const chooser = document.getElementById("cells");
  data.cells.forEach((cell, index) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "cell";
    input.checked = index === 0;
    input.addEventListener("change", () => draw(index));
    const found = cell.r === null ? "" : ` (correlation ${cell.r >= 0 ? "+" : ""}${cell.r.toFixed(2)})`;
    label.append(input, ` cell ${cell.cell}: ${cell.tracks}${found}`);
    chooser.append(label);
  });
  draw(0);
}

main();
