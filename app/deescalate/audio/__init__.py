"""Audio in: devices, loopback, files; per-speaker bounded feeds; resampling and levels."""

from deescalate.audio.feed import SAMPLE_RATE, FeedClosed, Speaker, SpeakerFeed

__all__ = ["SAMPLE_RATE", "FeedClosed", "Speaker", "SpeakerFeed"]
