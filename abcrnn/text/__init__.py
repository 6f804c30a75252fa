"""ABC text: splitting and cleaning tunes, bars, parsing with music21, validation and transposition."""
