"""Playing what is written: the playable text, ornaments as notes, and MIDI files."""
