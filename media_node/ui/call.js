// Shared by the join page and the console: the node's API and one relay-only WebRTC call.
"use strict";
class NodeApi {
  constructor(token) { this.token = token; }  // no token: the join-code exchange only
  async call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (this.token) headers["Authorization"] = "Bearer " + this.token;
    const response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.error || ("HTTP " + response.status));
      error.status = response.status;
      throw error;
    }
    return data;
  }
}
async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, "0")).join("");
}
// Media is captured only here, after the caller showed the notice. Audio-only: no camera.
async function startCall(api, sessionId, participant, iceServers, withVideo, remoteVideo) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: withVideo });
  const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: "relay" });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.addEventListener("track", event => { if (remoteVideo) remoteVideo.srcObject = event.streams[0]; });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise(resolve => {  // one offer with every relay candidate (no trickle)
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") resolve(); });
    setTimeout(resolve, 5000);
  });
  const answer = await api.call("POST", `/v1/sessions/${sessionId}/offer`,
    { participant, sdp: pc.localDescription.sdp, type: "offer" });
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  return { pc, stream };
}
function stopCall(call) {
  if (!call) return;
  for (const track of call.stream.getTracks()) track.stop();
  call.pc.close();
}
function recordingLabel(recording) {
  if (recording.state === "failed") return ["failed", t("rec.failed")];
  if (recording.state === "recording" || recording.state === "degraded") return ["on", t("rec.on")];
  return ["off", t("rec.off")];
}
