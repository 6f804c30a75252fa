"""Training: building corpora, windows of parallel streams, moving tunes to other keys, the training loop, fitting the bar pointer."""
