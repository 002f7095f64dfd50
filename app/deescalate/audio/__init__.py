"""Audio in: devices, loopback, files; per-speaker bounded feeds; resampling, levels and
voice features."""
