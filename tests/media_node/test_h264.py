"""media_node.h264 on real encoder output (libx264 through PyAV, as aiortc and many
contact-centre clients produce it) and on hostile bytes."""

from __future__ import annotations

import fractions
import io

import av
import pytest

from media_node.container import ContainerWriter, TrackSpec, video_dimensions
from media_node.h264 import (
    NAL_IDR,
    NAL_PPS,
    NAL_SPS,
    ParameterSets,
    annexb,
    nal_type,
    nal_units,
    parse_sps,
)
from media_node.passthrough import EncodedFrame


def _encode(width: int, height: int, frames: int, profile: str = "Baseline") -> list[bytes]:
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.framerate = fractions.Fraction(30, 1)
    codec.time_base = fractions.Fraction(1, 30)
    codec.options = {"tune": "zerolatency"}
    codec.profile = profile
    out: list[bytes] = []
    for index in range(frames):
        frame = av.VideoFrame(width, height, "yuv420p")
        frame.pts = index
        out.extend(bytes(p) for p in codec.encode(frame))
    out.extend(bytes(p) for p in codec.encode(None))
    return out


def _sps(access_unit: bytes) -> bytes:
    return next(u for u in nal_units(access_unit) if nal_type(u) == NAL_SPS)


@pytest.mark.parametrize(
    ("width", "height", "profile", "profile_idc"),
    [(640, 480, "Baseline", 66), (318, 238, "Baseline", 66), (1280, 720, "High", 100)],
)
def test_sps_gives_the_displayed_size_and_profile(
    width: int, height: int, profile: str, profile_idc: int
) -> None:
    info = parse_sps(_sps(_encode(width, height, 1, profile)[0]))
    assert (info.width, info.height, info.profile_idc) == (width, height, profile_idc)
    assert info.codec_string.startswith(f"avc1.{profile_idc:02x}")


@pytest.mark.parametrize("bad", [b"\x67", b"\x67\x42\xc0", b"\x68\xce\x3c\x80", b""])
def test_malformed_or_wrong_sps_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        parse_sps(bad)


def test_idr_without_parameter_sets_gets_the_latest_ones_in_front() -> None:
    first = _encode(320, 240, 1)[0]
    units = nal_units(first)
    assert [nal_type(u) for u in units][:2] == [NAL_SPS, NAL_PPS]
    bare_idr = annexb([u for u in units if nal_type(u) not in (NAL_SPS, NAL_PPS)])
    sets = ParameterSets()
    assert sets.update(bare_idr) == (bare_idr, False)  # no SPS/PPS known yet: not a start
    assert sets.update(first) == (first, True)
    data, usable = sets.update(bare_idr)
    types = [nal_type(u) for u in nal_units(data)]
    assert usable and types[:2] == [NAL_SPS, NAL_PPS] and NAL_IDR in types


def _mux(access_units: list[bytes]) -> bytes:
    out = bytearray()
    first = access_units[0]
    frame0 = EncodedFrame("h264", "video", first, 0, 90000, True)
    width, height = video_dimensions(frame0)
    writer = ContainerWriter(out.extend, [TrackSpec("c/video/0", "h264", "video", width, height)])
    for index, data in enumerate(access_units):
        keyframe = NAL_IDR in {nal_type(u) for u in nal_units(data)}
        frame = EncodedFrame("h264", "video", data, index * 3000, 90000, keyframe)
        writer.write("c/video/0", frame, index / 30)
    writer.close()
    return bytes(out)


def test_matroska_gets_size_and_avcc_and_follows_a_mid_stream_resolution_change() -> None:
    data = _mux(_encode(640, 480, 15) + _encode(320, 240, 15))
    container = av.open(io.BytesIO(data), "r")
    stream = container.streams.video[0]
    assert (stream.codec_context.width, stream.codec_context.height) == (640, 480)
    extradata = stream.codec_context.extradata or b""
    assert extradata[:1] == b"\x01", "CodecPrivate must be an avcC record"
    stream.codec_context.options = {"err_detect": "explode"}
    sizes: list[tuple[int, int]] = []
    packets = 0
    for packet in container.demux(stream):
        if packet.size:
            packets += 1
            sizes.extend((f.width, f.height) for f in packet.decode())
    assert packets == 30 and len(sizes) == 30
    assert sizes[0] == (640, 480) and sizes[-1] == (320, 240)
