"""H.264 access units as the recorder sees them: NAL units, parameter sets, dimensions.

aiortc's depayloader hands over each access unit in Annex B form (``00 00 00 01`` before every
NAL unit). Matroska needs the stream's dimensions and its codec setup data (the SPS and PPS,
written as ``avcC``) before the first block, and a player can only start decoding at an IDR
picture whose parameter sets it has seen. Pure functions on bytes, plus :class:`ParameterSets`,
which remembers the latest SPS/PPS of one track so that every IDR handed to the muxer carries
them in-band (a mid-call SPS/PPS change, e.g. a resolution switch, reaches the decoder with the
IDR that uses it). Reference: ITU-T H.264 (08/2021) 7.3.2.1.1 and ISO/IEC 14496-15 5.3.3.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "NAL_IDR",
    "NAL_PPS",
    "NAL_SPS",
    "ParameterSets",
    "SpsInfo",
    "annexb",
    "nal_type",
    "nal_units",
    "parse_sps",
]

NAL_IDR = 5
NAL_SPS = 7
NAL_PPS = 8
_START = b"\x00\x00\x00\x01"
# profile_idc values whose SPS carries chroma format, bit depths and scaling matrices.
_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})


def nal_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte string (3- or 4-byte start codes), without start codes."""
    units: list[bytes] = []
    starts: list[tuple[int, int]] = []  # (start code offset, payload offset)
    index = data.find(b"\x00\x00\x01")
    while index != -1:
        code_at = index - 1 if index > 0 and data[index - 1] == 0 else index
        starts.append((code_at, index + 3))
        index = data.find(b"\x00\x00\x01", index + 3)
    for number, (_, payload_at) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(data)
        unit = data[payload_at:end]
        if unit:
            units.append(unit)
    return units


def annexb(units: list[bytes]) -> bytes:
    return b"".join(_START + unit for unit in units)


def nal_type(unit: bytes) -> int:
    return unit[0] & 0x1F


def _rbsp(unit: bytes) -> bytes:
    """The NAL payload without its header byte and emulation-prevention bytes (00 00 03)."""
    out = bytearray()
    zeros = 0
    for byte in unit[1:]:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


class _Bits:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def bit(self) -> int:
        if self._pos >= len(self._data) * 8:
            raise ValueError("SPS ends early")
        value = (self._data[self._pos >> 3] >> (7 - (self._pos & 7))) & 1
        self._pos += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = value << 1 | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("SPS has an invalid Exp-Golomb code")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        code = self.ue()
        return (code + 1) // 2 if code & 1 else -(code // 2)


@dataclass(frozen=True)
class SpsInfo:
    profile_idc: int
    """66 Constrained Baseline/Baseline, 77 Main, 100 High, ..."""
    constraint_flags: int
    level_idc: int
    width: int
    """Displayed width in pixels (after the SPS's cropping)."""
    height: int

    @property
    def codec_string(self) -> str:
        """RFC 6381 ``avc1.PPCCLL``, as browsers name it."""
        return f"avc1.{self.profile_idc:02x}{self.constraint_flags:02x}{self.level_idc:02x}"


def _skip_scaling_list(bits: _Bits, size: int) -> None:
    last, following = 8, 8
    for _ in range(size):
        if following:
            following = (last + bits.se() + 256) % 256
        last = following or last


def parse_sps(unit: bytes) -> SpsInfo:
    """Profile, level and displayed size of one SPS NAL unit. Raises ``ValueError`` if it is not
    a well-formed SPS."""
    if not unit or nal_type(unit) != NAL_SPS:
        raise ValueError("not an SPS NAL unit")
    bits = _Bits(_rbsp(unit))
    profile_idc, constraints, level_idc = bits.bits(8), bits.bits(8), bits.bits(8)
    bits.ue()  # seq_parameter_set_id
    chroma_format_idc, separate_planes = 1, 0
    if profile_idc in _HIGH_PROFILES:
        chroma_format_idc = bits.ue()
        if chroma_format_idc == 3:
            separate_planes = bits.bit()
        bits.ue()  # bit_depth_luma_minus8
        bits.ue()  # bit_depth_chroma_minus8
        bits.bit()  # qpprime_y_zero_transform_bypass_flag
        if bits.bit():  # seq_scaling_matrix_present_flag
            for index in range(8 if chroma_format_idc != 3 else 12):
                if bits.bit():
                    _skip_scaling_list(bits, 16 if index < 6 else 64)
    bits.ue()  # log2_max_frame_num_minus4
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.bit()
        bits.se()
        bits.se()
        for _ in range(bits.ue()):
            bits.se()
    bits.ue()  # max_num_ref_frames
    bits.bit()  # gaps_in_frame_num_value_allowed_flag
    width_mbs = bits.ue() + 1
    height_units = bits.ue() + 1
    frame_mbs_only = bits.bit()
    if not frame_mbs_only:
        bits.bit()  # mb_adaptive_frame_field_flag
    bits.bit()  # direct_8x8_inference_flag
    crop = (0, 0, 0, 0)
    if bits.bit():
        crop = (bits.ue(), bits.ue(), bits.ue(), bits.ue())
    if chroma_format_idc == 0 or separate_planes:
        crop_x, crop_y = 1, 2 - frame_mbs_only
    else:
        crop_x = 2 if chroma_format_idc in (1, 2) else 1
        crop_y = (2 if chroma_format_idc == 1 else 1) * (2 - frame_mbs_only)
    width = width_mbs * 16 - crop_x * (crop[0] + crop[1])
    height = (2 - frame_mbs_only) * height_units * 16 - crop_y * (crop[2] + crop[3])
    if width <= 0 or height <= 0:
        raise ValueError(f"SPS gives no picture ({width}x{height})")
    return SpsInfo(profile_idc, constraints, level_idc, width, height)


class ParameterSets:
    """The latest SPS and PPS seen on one track; makes IDR access units self-contained.

    Not thread-safe: one per track, used by the recorder's writer thread.
    """

    def __init__(self) -> None:
        self.sps: bytes | None = None
        self.pps: bytes | None = None
        self.info: SpsInfo | None = None
        self.changes = 0
        """How often the SPS changed after the first one (e.g. a resolution switch)."""

    def update(self, data: bytes) -> tuple[bytes, bool]:
        """Remember the access unit's parameter sets; returns the access unit to mux (an IDR
        gets the latest SPS/PPS in front if it came without them) and whether it is a usable
        keyframe (an IDR whose SPS and PPS are known). Raises ``ValueError`` on a bad SPS."""
        units = nal_units(data)
        types = [nal_type(unit) for unit in units]
        for unit, kind in zip(units, types, strict=True):
            if kind == NAL_SPS and unit != self.sps:
                info = parse_sps(unit)
                if self.sps is not None:
                    self.changes += 1
                self.sps, self.info = unit, info
            elif kind == NAL_PPS:
                self.pps = unit
        if NAL_IDR not in types or self.sps is None or self.pps is None:
            return data, False
        if NAL_SPS in types and NAL_PPS in types:
            return data, True
        rest = [unit for unit, kind in zip(units, types, strict=True) if kind not in (7, 8)]
        return annexb([self.sps, self.pps, *rest]), True
