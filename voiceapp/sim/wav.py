"""Recordings as real media files of the right length, like Twilio's: WAV (8 kHz, 16-bit
PCM, 128 kbit/s a channel) and MP3 (mono, 32 kbit/s: Twilio mixes a dual-channel
recording down for it)."""

from __future__ import annotations

import io
import math
import struct
import wave

SAMPLE_RATE = 8000
MP3_KBPS = 32


def _tone(channel: int, i: int) -> float:
    """A quiet tone: a different pitch per channel, so a dual-channel recording has two
    distinguishable parties."""
    return 900 * math.sin(2 * math.pi * (330 + 110 * channel) * i / SAMPLE_RATE)


def _pcm(seconds: int, channels: int, *, mix_of: int = 1) -> bytes:
    """Little-endian 16-bit PCM; with `mix_of` > 1, one channel holding the parties of
    `mix_of` channels mixed down."""
    frames = int(seconds * SAMPLE_RATE)
    if mix_of > 1:
        period = [[int(sum(_tone(ch, i) for ch in range(mix_of)) / mix_of)] for i in range(800)]
    else:
        period = [[int(_tone(ch, i)) for ch in range(channels)] for i in range(800)]
    # 0.1 s (800 frames) repeats exactly for these pitches.
    chunk = b"".join(struct.pack(f"<{channels}h", *frame) for frame in period)
    whole, rest = divmod(frames, len(period))
    return chunk * whole + chunk[: rest * 2 * channels]


def recording_wav(seconds: int, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(_pcm(seconds, channels))
    return out.getvalue()


def recording_mp3(seconds: int, channels: int = 1) -> bytes:
    """The recording as Twilio serves it for ".mp3": a real MP3 stream (MPEG-2.5 layer
    III at 8 kHz, constant 32 kbit/s, mono), encoded by LAME."""
    import lameenc  # only the simulator encodes; the app stores what it fetched

    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_bit_rate(MP3_KBPS)
    encoder.set_quality(7)  # the fastest: the simulator makes many, nobody listens closely
    encoder.silence()
    return bytes(encoder.encode(_pcm(seconds, 1, mix_of=channels)) + encoder.flush())
