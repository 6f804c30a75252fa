"""Sampling new tunes and measuring them: the sampler, bits per character, and sample quality."""
