"""Browser-originated video for bench/recorder.py: what Chromium's own encoders send.

Debian's Chromium (headless, fake camera) sends its camera to a second peer connection in the
same page; an encoded-insertable-streams transform on the sender copies every encoded frame
(VP8 from libvpx, H.264 from OpenH264, Annex B) with its RTP timestamp and key flag, for
``seconds`` from the first keyframe. The frames are replayed by the bench's sender, so the
recorder gets exactly what a browser puts on the wire, at the same rate for every call.
"""

from __future__ import annotations

import base64
import http.server
import threading
from typing import Any

__all__ = ["capture_browser_video"]

_CAPTURE = """
const [codec, seconds, maxBitrate, done] = arguments;
(async () => {
  const stream = await navigator.mediaDevices.getUserMedia(
    {video: {width: 640, height: 480, frameRate: 15}});
  const a = new RTCPeerConnection({encodedInsertableStreams: true});
  const b = new RTCPeerConnection();
  a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate);
  const t = a.addTransceiver(stream.getVideoTracks()[0],
    {direction: "sendonly", sendEncodings: [{maxBitrate}]});
  t.setCodecPreferences(RTCRtpSender.getCapabilities("video").codecs
    .filter(c => c.mimeType === "video/" + codec));
  const {readable, writable} = t.sender.createEncodedStreams();
  const frames = [];
  let first = null;
  const b64 = bytes => {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  };
  readable.pipeThrough(new TransformStream({transform(frame, out) {
    const key = frame.type === "key";
    if (first === null && key) first = performance.now();
    if (first !== null && performance.now() - first < seconds * 1000) {
      frames.push([b64(new Uint8Array(frame.data)), frame.timestamp, key]);
    }
    out.enqueue(frame);
  }})).pipeTo(writable);
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
  const wait = () => (first !== null && performance.now() - first > seconds * 1000 + 300)
    ? done(frames) : setTimeout(wait, 200);
  wait();
})().catch(error => done(String(error)));
"""


class _Blank(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"<!doctype html><title>capture</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


def capture_browser_video(
    codec: str, seconds: int, max_bitrate: int = 460_000
) -> tuple[list[tuple[bytes, int, bool]], float]:
    """Chromium's encoded frames (data, RTP timestamp re-based to 0, keyframe) and their rate."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        driver.set_script_timeout(seconds + 60)
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
        raw = driver.execute_async_script(_CAPTURE, codec, seconds, max_bitrate)
    finally:
        driver.quit()
        server.shutdown()
    if isinstance(raw, str) or not raw:
        raise RuntimeError(f"Chromium did not capture {codec} frames: {raw!r}")
    base = int(raw[0][1])
    frames = [(base64.b64decode(d), (int(ts) - base) % 2**32, bool(k)) for d, ts, k in raw]
    span = frames[-1][1] / 90000
    return frames, (len(frames) - 1) / span if span > 0 else 15.0
