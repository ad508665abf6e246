"""Recordings as real media files of the right length, like Twilio's: WAV (8 kHz, 16-bit
PCM, 128 kbit/s a channel) and MP3 (mono, 32 kbit/s: Twilio mixes a dual-channel
recording down for it)."""

from __future__ import annotations

import io
import math
import struct
import wave
from functools import lru_cache

SAMPLE_RATE = 8000
MP3_KBPS = 32


def _tone(channel: int, i: int) -> float:
    """A quiet tone: a different pitch per channel, so a dual-channel recording has two
    distinguishable parties."""
    return 900 * math.sin(2 * math.pi * (330 + 110 * channel) * i / SAMPLE_RATE)


def _pcm(seconds: float, channels: int, *, mix_of: int = 1) -> bytes:
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


# An MP3 frame holds 576 samples at 8 kHz (72 ms). Encoding costs a few milliseconds per
# second of audio, too slow for a simulated day of long calls on a busy machine, so the
# simulator encodes a segment once and repeats it: 200 frames (14.4 s, a whole number of
# the tone's 0.1 s periods, so every segment is the same audio), then the first frames of
# it for the rest. Each segment is a complete MP3 stream of its own (its first frame uses
# no bits of an earlier one), so the joined file is valid; LAME's start-up delay is a
# 0.14 s fade every 14.4 s.
SAMPLES_PER_FRAME = 576
SEGMENT_FRAMES = 200


def _frame_size(header: bytes) -> int:
    """Bytes in an MPEG-2.5 layer III frame at 8 kHz: 72 x bit rate / sample rate, plus
    the padding bit."""
    return 72 * MP3_KBPS * 1000 // SAMPLE_RATE + ((header[2] >> 1) & 1)


def _frames(stream: bytes, count: int) -> bytes:
    """The first `count` frames of a stream: a whole MP3 stream too (a frame may use bits
    of earlier frames, never of later ones)."""
    at = 0
    for _ in range(count):
        at += _frame_size(stream[at : at + 4])
    return stream[:at]


@lru_cache(maxsize=4)
def _segment(mix_of: int) -> bytes:
    """SEGMENT_FRAMES frames of the tone: the encoder's output cut after that many frames,
    so the segment lasts exactly SEGMENT_FRAMES x 72 ms (what LAME adds on flushing is
    dropped)."""
    import lameenc  # only the simulator encodes; the app stores what it fetched

    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_bit_rate(MP3_KBPS)
    encoder.set_quality(7)  # the fastest
    encoder.silence()
    seconds = SEGMENT_FRAMES * SAMPLES_PER_FRAME / SAMPLE_RATE
    stream = bytes(encoder.encode(_pcm(seconds, 1, mix_of=mix_of)) + encoder.flush())
    return _frames(stream, SEGMENT_FRAMES)


def recording_mp3(seconds: int, channels: int = 1) -> bytes:
    """The recording as Twilio serves it for ".mp3": a real MP3 stream (MPEG-2.5 layer
    III at 8 kHz, constant 32 kbit/s, mono: the parties of a dual-channel recording mixed
    down), encoded by LAME, as long as the recording to the next frame."""
    frames = math.ceil(seconds * SAMPLE_RATE / SAMPLES_PER_FRAME)
    whole, rest = divmod(frames, SEGMENT_FRAMES)
    segment = _segment(channels)
    return segment * whole + _frames(segment, rest)
