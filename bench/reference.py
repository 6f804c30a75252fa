"""abc2midi, the reference ABC player, as the benchmarks and fixture scripts use it.

abcMIDI (Debian package ``abcmidi``) is needed here only, never by the package.
"""

import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path


def require_abc2midi() -> str:
    """The abc2midi program, or exit with a one-line hint."""
    program = shutil.which("abc2midi")
    if not program:
        sys.exit("abc2midi not found: install abcMIDI (apt-get install abcmidi)")
    return program


def abc2midi_pitches(tunes: list[str], retries: int = 3) -> list[list[int] | None]:
    """The melody pitches abc2midi plays for each tune, or None where it writes no file.

    Grace notes (-NGRA) and guitar chords (-NGUI) are left out. abc2midi 4.84
    sometimes stops inside a tune with a D.S. and then writes nothing for the
    tunes after it in the same file, so a tune without notes is played again
    on its own, up to ``retries`` times.
    """
    pitches = _run_abc2midi(tunes)
    for index, played in enumerate(pitches):
        for _ in range(retries):
            if played:
                break
            played = _run_abc2midi([tunes[index]])[0]
        pitches[index] = played
    return pitches


def _run_abc2midi(tunes: list[str]) -> list[list[int] | None]:
    program = require_abc2midi()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "tunes.abc"
        numbered = [_renumbered(tune, number) for number, tune in enumerate(tunes, start=1)]
        source.write_text("\n\n".join(numbered) + "\n", encoding="utf-8")
        command = [program, str(source), "-NGRA", "-NGUI", "-NFER", "-silent"]
        subprocess.run(command, cwd=folder, capture_output=True, timeout=600)
        return [midi_pitches(Path(folder) / f"tunes{number}.mid") for number in range(1, len(tunes) + 1)]


def _renumbered(tune: str, number: int) -> str:
    lines = tune.strip("\n").split("\n")
    return "\n".join([f"X:{number}"] + [line for line in lines if not line.startswith("X:")])


def midi_pitches(path: Path) -> list[int] | None:
    """Note-on pitches in time order, from every track of a MIDI file.

    Notes starting within a 128th note of each other are one chord and come
    lowest first, however a player staggers them.
    """
    if not path.exists() or path.stat().st_size < 14:  # none written, or abc2midi stopped while writing
        return None
    data, events, position = path.read_bytes(), [], 14
    ticks_per_beat = struct.unpack(">H", data[12:14])[0] or 480
    for track in range(struct.unpack(">H", data[10:12])[0]):
        end = position + 8 + struct.unpack(">I", data[position + 4 : position + 8])[0]
        position, time, status = position + 8, 0, 0
        while position < end:
            delta, position = _variable_length(data, position)
            time += delta
            if data[position] == 0xFF:
                length, position = _variable_length(data, position + 2)
                position += length
                continue
            if data[position] in (0xF0, 0xF7):
                length, position = _variable_length(data, position + 1)
                position += length
                continue
            if data[position] & 0x80:
                status, position = data[position], position + 1
            size = 1 if status & 0xF0 in (0xC0, 0xD0) else 2
            if status & 0xF0 == 0x90 and data[position + 1] > 0:
                events.append((time, track, data[position]))
            position += size
    events.sort()
    chords: list[list[int]] = []
    chord_time = None
    for time, _, pitch in events:
        if chord_time is None or time - chord_time > ticks_per_beat / 32:
            chords.append([])
            chord_time = time
        chords[-1].append(pitch)
    return [pitch for chord in chords for pitch in sorted(chord)]


def _variable_length(data: bytes, position: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[position]
        position += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, position
