"""Recordings as real WAV files of the right length (8 kHz, 16-bit PCM, like Twilio's)."""

from __future__ import annotations

import io
import math
import struct
import wave

SAMPLE_RATE = 8000


def recording_wav(seconds: int, channels: int = 1) -> bytes:
    """A quiet tone: a different pitch per channel, so a dual-channel recording has two
    distinguishable parties."""
    frames = int(seconds * SAMPLE_RATE)
    period = [
        [
            int(900 * math.sin(2 * math.pi * (330 + 110 * ch) * i / SAMPLE_RATE))
            for ch in range(channels)
        ]
        for i in range(SAMPLE_RATE // 10)  # 0.1 s repeats exactly for these pitches
    ]
    chunk = b"".join(struct.pack(f"<{channels}h", *frame) for frame in period)
    whole, rest = divmod(frames, len(period))
    data = chunk * whole + chunk[: rest * 2 * channels]
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(data)
    return out.getvalue()
