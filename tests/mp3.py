"""Read an MP3 stream's frame headers (no decoder needed): how long it plays, its
bit rate, sample rate and channels. Enough to check that what the simulator serves and
the app stores is a real MP3 of the right length."""

from __future__ import annotations

from dataclasses import dataclass

# Layer III bit rates (kbit/s) by index: MPEG-1, and MPEG-2 / 2.5.
_KBPS_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
_KBPS_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@dataclass(frozen=True)
class Mp3Info:
    frames: int
    seconds: float
    kbps: set[int]
    sample_rate: int
    channels: int


def mp3_info(data: bytes) -> Mp3Info:
    """Walk the frames from the first byte to the last; any gap or stray byte fails."""
    at, frames, samples, kbps, rate, channels = 0, 0, 0, set(), None, None
    if data[:3] == b"ID3":  # an ID3v2 tag: its size is 4 x 7 bits
        size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
        at = 10 + size
    while at < len(data):
        header = int.from_bytes(data[at : at + 4], "big")
        assert header >> 21 == 0x7FF, f"no MP3 frame sync at byte {at}"
        version, layer = (header >> 19) & 3, (header >> 17) & 3
        assert layer == 1, "not layer III"
        assert version in _RATES, "reserved MPEG version"
        table = _KBPS_V1 if version == 3 else _KBPS_V2
        bitrate = table[(header >> 12) & 0xF]
        frame_rate = _RATES[version][(header >> 10) & 3]
        padding = (header >> 9) & 1
        per_frame = 1152 if version == 3 else 576
        size = per_frame // 8 * bitrate * 1000 // frame_rate + padding
        assert size > 4, f"bad frame at byte {at}"
        kbps.add(bitrate)
        rate = frame_rate
        channels = 1 if (header >> 6) & 3 == 3 else 2
        frames += 1
        samples += per_frame
        at += size
    assert frames, "no MP3 frames"
    assert at == len(data), "the last frame is cut short"
    return Mp3Info(frames, samples / rate, kbps, rate, channels)
