"""Pages to look at: the tune book (sheet music, play, MIDI) and the look inside the model."""
