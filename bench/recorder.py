"""Recording cost: the passthrough recorder against aiortc's stock MediaRecorder, same run.

    .venv/bin/python bench/recorder.py [--seconds 10] [--max-calls 64]
                                       [--modes passthrough,mediarecorder]
                                       [--media aiortc,browser-vp8,browser-h264]

N concurrent calls, each 1 VP8 (640x480, 15 fps, ~460 kbit/s measured) + 1 Opus (~48 kbit/s) stream,
~500 kbit/s per call, over loopback WebRTC (DTLS-SRTP). Two processes, one core each:

* the sender replays pre-encoded packets (aiortc packs av.Packets without encoding), so the
  sending side costs little and the same media goes to both recorders;
* the receiver holds the N peer connections and records every call, either with
  ``passthrough`` (media_node.recorder: no decode, WebM mux, envelope encryption, local store)
  or ``mediarecorder`` (aiortc.contrib.media.MediaRecorder: decode, re-encode, WebM).

Media: ``aiortc`` is libvpx with aiortc's encoder settings (both modes); ``browser-vp8`` and
``browser-h264`` are the encoded frames Debian's Chromium sends from its fake camera (libvpx,
OpenH264; bench/browser_media.py captures them once per run), replayed the same way and
recorded by the passthrough recorder, so calls per core can be compared across sources.

For each mode it prints the receiver's CPU seconds per call-minute and the largest N one core
sustains without dropping frames (every call's recorded video is >= 99% continuous between its
first and last frame, and the receiver stays below 90% of its core), then the ratio. Target
from issue #5: passthrough sustains at least 10x the calls of MediaRecorder per core.
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import io
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FPS = 15
VIDEO_BITRATE = 225_000
"""The CBR target. libvpx overshoots it about 2x on testsrc2, landing near 460 kbit/s at 15 fps;
the measured rate is printed at the start of every run."""
WIDTH, HEIGHT = 640, 480


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(0, {cpu})


def encode_media(seconds: int) -> tuple[list[tuple[bytes, int, bool]], list[bytes]]:
    """Pre-encoded VP8 frames (data, pts in 1/90000, keyframe) and 20 ms Opus packets."""
    import av

    # The settings of aiortc's own Vp8Encoder (CBR at the target bitrate), as a browser sends.
    video: Any = av.CodecContext.create("libvpx", "w")
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.time_base = fractions.Fraction(1, FPS)
    video.framerate = FPS
    video.bit_rate = VIDEO_BITRATE
    video.gop_size = FPS * 10
    video.qmin, video.qmax = 2, 56
    video.options = {
        "bufsize": str(VIDEO_BITRATE),
        "minrate": str(VIDEO_BITRATE),
        "maxrate": str(VIDEO_BITRATE),
        "cpu-used": "-6",
        "deadline": "realtime",
        "lag-in-frames": "0",
        "overshoot-pct": "15",
        "undershoot-pct": "100",
        "static-thresh": "1",
    }
    frames: list[tuple[bytes, int, bool]] = []
    # FFmpeg's testsrc2: moving shapes and a counter, so rate control behaves as on a camera.
    source = av.open(
        f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}:duration={seconds}", format="lavfi"
    )
    for index, picture in enumerate(source.decode(video=0)):
        frame = picture.reformat(format="yuv420p")
        frame.pts = index
        frame.time_base = video.time_base
        for packet in video.encode(frame):
            frames.append(
                (bytes(packet), int(packet.pts or 0) * (90000 // FPS), bool(packet.is_keyframe))
            )
    for packet in video.encode(None):
        frames.append((bytes(packet), int(packet.pts or 0) * (90000 // FPS), packet.is_keyframe))
    audio: Any = av.CodecContext.create("libopus", "w")
    audio.sample_rate, audio.layout, audio.format = 48000, "stereo", "s16"
    audio.bit_rate = 48_000
    audio.time_base = fractions.Fraction(1, 48000)
    packets: list[bytes] = []
    for index in range(seconds * 50):
        sound: Any = av.AudioFrame(format="s16", layout="stereo", samples=960)
        sound.planes[0].update(os.urandom(sound.planes[0].buffer_size))
        sound.sample_rate = 48000
        sound.pts = index * 960
        packets += [bytes(p) for p in audio.encode(sound)]
    return frames, packets


# -- sender ---------------------------------------------------------------------------------


def sender_main(conn: Connection, calls: int, seconds: float, media: Any) -> None:
    _pin(1)
    import av
    from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamTrack

    video_frames, audio_packets, codec, fps = media

    class Replay(MediaStreamTrack):
        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind
            self.sent = 0
            self._start: float | None = None

        async def recv(self) -> Any:
            if self._start is None:
                self._start = time.monotonic()
            if self.kind == "video":
                data, _, _ = video_frames[self.sent % len(video_frames)]
                pts, rate, step = round(self.sent * 90000 / fps), 90000, 1 / fps
            else:
                data = audio_packets[self.sent % len(audio_packets)]
                pts, rate, step = self.sent * 960, 48000, 0.02
            due = self._start + self.sent * step
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            packet = av.Packet(data)
            packet.pts = pts
            packet.time_base = fractions.Fraction(1, rate)
            self.sent += 1
            return packet

    async def run() -> None:
        pcs, tracks = [], []
        offers = []
        for _ in range(calls):
            pc = RTCPeerConnection()
            video, audio = Replay("video"), Replay("audio")
            pc.addTrack(audio)
            sender = pc.addTrack(video)
            transceiver = next(t for t in pc.getTransceivers() if t.sender is sender)
            transceiver.setCodecPreferences(
                [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType.lower() == f"video/{codec}"
                ]
            )
            await pc.setLocalDescription(await pc.createOffer())
            pcs.append(pc)
            tracks.append(video)
            offers.append(pc.localDescription.sdp)
        conn.send(offers)
        answers = conn.recv()
        for pc, answer in zip(pcs, answers, strict=True):
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        start = time.process_time()
        await asyncio.sleep(seconds)
        cpu = time.process_time() - start
        sent = [t.sent for t in tracks]
        for pc in pcs:
            await pc.close()
        conn.send({"sent_video": sent, "sender_cpu": cpu})

    asyncio.run(run())


# -- receiver -------------------------------------------------------------------------------


def receiver_main(
    conn: Connection, calls: int, seconds: float, mode: str, workdir: str, fps: float
) -> None:
    _pin(0)
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaRecorder

    from media_node.passthrough import install, passthrough
    from media_node.recorder import Recorder
    from media_node.vault.keys import LocalKeyProvider, create_local_key_file
    from media_node.vault.store import LocalDirectoryStore
    from media_node.vault.stream import decrypt_stream

    install()
    work = Path(workdir)
    key_file = work / "bench.key"
    if not key_file.exists():
        create_local_key_file(key_file)
    provider = LocalKeyProvider(key_file)
    store = LocalDirectoryStore(work / "store")

    async def run() -> None:
        loop = asyncio.get_running_loop()
        offers = conn.recv()
        pcs, recorders, outputs = [], [], []
        for index, offer in enumerate(offers):
            pc = RTCPeerConnection()
            if mode == "passthrough":
                recorder: Any = Recorder(
                    recording_id=f"rec-bench-{index:04d}",
                    meeting_type="bench",
                    legal_basis="legal-obligation",
                    retention_days=1,
                    stored_kinds=frozenset({"audio", "video"}),
                    subjects=(f"bench-{index:04d}",),
                    consent_refs=(),
                    key_provider=provider,
                    store=store,
                    spool_dir=work / "spool",
                    expected_tracks=2,
                    loop=loop,
                )

                def on_track(track: Any, recorder: Any = recorder, index: int = index) -> None:
                    passthrough(track)
                    recorder.add_track(f"bench-{index:04d}", track)
            else:
                path = work / f"mediarecorder-{index:04d}.webm"
                outputs.append(path)
                recorder = MediaRecorder(str(path))

                def on_track(track: Any, recorder: Any = recorder, index: int = index) -> None:
                    recorder.addTrack(track)

            pc.on("track", on_track)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
            pcs.append(pc)
            recorders.append(recorder)
        if mode == "mediarecorder":
            for recorder in recorders:
                await recorder.start()
        conn.send([pc.localDescription.sdp for pc in pcs])
        await asyncio.sleep(min(3.0, seconds / 3))  # connect and warm up
        cpu0, wall0 = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds - min(3.0, seconds / 3))
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        recorded = []
        if mode == "passthrough":
            for recorder in recorders:
                result = await recorder.stop()
                blocks = store.read(f"recordings/bench/{result.recording_id}.cvr")
                plaintext = b"".join(decrypt_stream(blocks, {provider.provider_id: provider}))
                recorded.append(video_continuity(io.BytesIO(plaintext), fps))
        else:
            for recorder in recorders:
                await recorder.stop()
            recorded = [video_continuity(str(path), fps) for path in outputs]
        for pc in pcs:
            await pc.close()
        conn.send({"cpu": cpu, "wall": wall, "recorded_video": recorded})

    asyncio.run(run())


def video_continuity(source: Any, fps: float) -> float:
    """Share of the video frames between the first and the last recorded one that are there.

    A recorder that falls behind loses frames mid-stream (its queues overflow or the jitter
    buffer gives up); start-up and shutdown do not count against it.
    """
    import av

    try:
        with av.open(source, "r") as container:
            stream = container.streams.video[0]
            stamps = sorted(
                float(p.pts * p.time_base)
                for p in container.demux(stream)
                if p.size and p.pts is not None
            )
    except (av.FFmpegError, IndexError):
        return 0.0
    if len(stamps) < 2:
        return 0.0
    expected = round((stamps[-1] - stamps[0]) * fps) + 1
    return min(1.0, len(stamps) / expected)


@dataclass
class Trial:
    mode: str
    calls: int
    cpu_per_call_minute: float
    core_share: float
    worst_recorded: float
    sender_core_share: float

    @property
    def sustained(self) -> bool:
        return self.worst_recorded >= 0.99 and self.core_share < 0.90


def trial(mode: str, calls: int, seconds: float, media: Any) -> Trial:
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as work:
        send_a, send_b = context.Pipe()
        recv_a, recv_b = context.Pipe()
        sender = context.Process(target=sender_main, args=(send_b, calls, seconds + 1.0, media))
        receiver = context.Process(
            target=receiver_main, args=(recv_b, calls, seconds, mode, work, media[3])
        )
        sender.start()
        receiver.start()
        recv_a.send(send_a.recv())  # offers
        send_a.send(recv_a.recv())  # answers
        received = recv_a.recv()
        sent = send_a.recv()
        sender.join()
        receiver.join()
    ratios = received["recorded_video"]
    return Trial(
        mode=mode,
        calls=calls,
        cpu_per_call_minute=received["cpu"] / calls / (received["wall"] / 60),
        core_share=received["cpu"] / received["wall"],
        worst_recorded=min(ratios),
        sender_core_share=sent["sender_cpu"] / (seconds + 1.0),
    )


def largest_sustained(
    mode: str, seconds: float, media: Any, max_calls: int
) -> tuple[int, list[Trial]]:
    trials: list[Trial] = []
    best, calls = 0, 1
    upper = max_calls + 1
    while calls <= max_calls:  # double until it breaks
        result = trial(mode, calls, seconds, media)
        trials.append(result)
        _report(result)
        if not result.sustained:
            upper = calls
            break
        best = calls
        calls *= 2
    low, high = best, min(upper, max_calls + 1)
    while high - low > max(1, low // 8):  # then bisect to within ~12%
        middle = (low + high) // 2
        result = trial(mode, middle, seconds, media)
        trials.append(result)
        _report(result)
        if result.sustained:
            low = middle
        else:
            high = middle
    return low, trials


def _report(t: Trial) -> None:
    verdict = "ok" if t.sustained else "DROPS/OVERLOAD"
    print(
        f"  {t.mode:13} N={t.calls:3d}: {t.cpu_per_call_minute:6.2f} CPU s/call-min, receiver core "
        f"{t.core_share * 100:5.1f}%, worst call {t.worst_recorded * 100:5.1f}% of video "
        f"frames kept, sender core {t.sender_core_share * 100:5.1f}%  {verdict}",
        flush=True,
    )


def _sources(names: list[str], audio: list[bytes], aiortc_video: Any) -> Any:
    """(name, media, description) per media source; browser frames are captured here."""
    for name in names:
        if name == "aiortc":
            yield name, (aiortc_video, audio, "vp8", float(FPS)), f"VP8 {WIDTH}x{HEIGHT}@{FPS}"
            continue
        from browser_media import capture_browser_video

        codec = {"browser-vp8": "VP8", "browser-h264": "H264"}[name]
        frames, fps = capture_browser_video(codec, 10)
        found = (_size(codec, data) for data, _, key in frames if key)
        sizes = sorted({size for size in found if size is not None})
        yield (
            name,
            (frames, audio, codec.lower(), fps),
            (f"Chromium {codec} {fps:.1f} fps, keyframe sizes {sizes}"),
        )


def _size(codec: str, data: bytes) -> tuple[int, int] | None:
    from media_node.container import video_dimensions
    from media_node.passthrough import EncodedFrame

    size = video_dimensions(EncodedFrame(codec.lower(), "video", data, 0, 90000, True))
    return size if size != (0, 0) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-calls", type=int, default=64)
    parser.add_argument("--modes", default="passthrough,mediarecorder")
    parser.add_argument(
        "--media",
        default="aiortc,browser-vp8,browser-h264",
        help="media sources; browser sources are recorded with the passthrough recorder only",
    )
    args = parser.parse_args()
    aiortc_video, audio = encode_media(10)
    print(f"{os.cpu_count()} cores")
    results: dict[str, tuple[int, list[Trial]]] = {}
    for source, media, description in _sources(args.media.split(","), audio, aiortc_video):
        seconds_of_video = len(media[0]) / media[3]
        kbits = sum(len(f[0]) for f in media[0]) * 8 / seconds_of_video / 1000 + 48
        print(f"{source}: {description} + Opus, {kbits:.0f} kbit/s per call")
        modes = args.modes.split(",") if source == "aiortc" else ["passthrough"]
        for mode in modes:
            print(f" {mode}:")
            results[f"{source}/{mode}"] = largest_sustained(
                mode, args.seconds, media, args.max_calls
            )
    print("summary:")
    for key, (calls, trials) in results.items():
        single = next(t for t in trials if t.calls == 1)
        at_limit = next((t for t in trials if t.calls == calls), single)
        sender_bound = any(t.sender_core_share > 0.9 for t in trials)
        note = " (sender core saturated: the true limit may be higher)" if sender_bound else ""
        print(
            f"  {key}: {single.cpu_per_call_minute:.2f} CPU s per call-minute with 1 call, "
            f"{at_limit.cpu_per_call_minute:.2f} at {calls}; sustains {calls} calls per core{note}"
        )
    if {"aiortc/passthrough", "aiortc/mediarecorder"} <= set(results):
        ratio = results["aiortc/passthrough"][0] / max(1, results["aiortc/mediarecorder"][0])
        print(
            f"ratio: passthrough sustains {ratio:.1f}x the calls of MediaRecorder per core "
            "(target >= 10x)"
        )
    for browser in ("browser-vp8/passthrough", "browser-h264/passthrough"):
        if browser in results and "aiortc/passthrough" in results:
            ratio = results[browser][0] / max(1, results["aiortc/passthrough"][0])
            print(f"ratio: {browser} sustains {ratio:.2f}x the calls of aiortc-originated VP8")


if __name__ == "__main__":
    main()
