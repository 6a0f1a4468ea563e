// The customer's join page: the link's single-use join code is exchanged for the customer's
// own token (only this browser ever holds it), then the notice, explicit consent where consent
// is the legal basis, camera/microphone only after that, a recording indicator and withdrawal.
"use strict";
(function () {
  translatePage();
  const $ = id => document.getElementById(id);
  const fragment = new URLSearchParams(location.hash.slice(1));
  const code = fragment.get("c");
  history.replaceState(null, "", location.pathname + location.search);  // the code leaves the address bar
  const sessionId = location.pathname.split("/").pop();
  const stored = `callvault-join-${sessionId}`;  // this tab only: a reload keeps the call
  let participant = null, api = null;
  const status = text => { $("status").textContent = text; };
  let session = null, call = null, poller = null, noticeShown = "";

  function showIndicator(recording) {
    const [kind, label] = recordingLabel(recording);
    const el = $("indicator");
    el.hidden = false; el.className = "indicator " + kind; el.textContent = label;
    el.dataset.state = recording.state;
  }

  async function consent(granted) {
    const recording = session.recording;
    await api.call("POST", `/v1/sessions/${sessionId}/consent`, {
      participant, granted, text_version: recording.notice_version,
      notice_sha256: await sha256Hex(noticeShown),
    });
  }

  async function join() {
    for (const id of ["agree", "decline", "continue"]) $(id).disabled = true;
    $("connection").textContent = t("status.connecting");
    try {
      call = await startCall(api, sessionId, participant, session.ice_servers,
        session.recording.mode === "audio+video", null);
      $("call").hidden = false;
      if (call.stream.getVideoTracks().length) { $("local").hidden = false; $("local").srcObject = call.stream; }
      call.pc.addEventListener("connectionstatechange", () => {
        if (call && call.pc.connectionState === "connected") $("connection").textContent = t("status.connected");
      });
      poller = setInterval(refresh, 1000);
      refresh();
    } catch (error) { status(t("status.error") + error.message); }
  }

  async function refresh() {
    try { session = await api.call("GET", `/v1/sessions/${sessionId}`); showIndicator(session.recording); }
    catch (error) { status(t("status.error") + error.message); }
  }

  $("agree").addEventListener("click", async () => {
    try {
      await consent(true);
      for (const id of ["agree", "decline", "question"]) $(id).hidden = true;
      status(t("status.agreed")); $("withdraw").hidden = false; await join();
    }
    catch (error) { status(t("status.error") + error.message); }
  });
  $("decline").addEventListener("click", async () => {
    try { await consent(false); status(t("status.declined")); $("decline").hidden = true; $("agree").hidden = true;
      $("continue").hidden = false; }
    catch (error) { status(t("status.error") + error.message); }
  });
  $("continue").addEventListener("click", join);
  $("withdraw").addEventListener("click", async () => {
    try { await consent(false); $("withdraw").hidden = true; status(t("status.withdrawn")); refresh(); }
    catch (error) { status(t("status.error") + error.message); }
  });
  $("leave").addEventListener("click", () => {
    api.call("POST", `/v1/sessions/${sessionId}/leave`, { participant }).catch(() => {});  // best effort
    clearInterval(poller); stopCall(call); call = null; $("call").hidden = true; status(t("status.left"));
  });

  // The join code is good once: a second use (someone opened the link first) fails loudly, is
  // recorded by the node, and the agent's console shows it.
  async function credential() {
    if (code) {
      try {
        const joined = await new NodeApi(null).call("POST", `/v1/sessions/${sessionId}/join`, { code });
        sessionStorage.setItem(stored, JSON.stringify({ participant: joined.participant, token: joined.token }));
      } catch (error) {
        if (error.status === 409) { $("status").setAttribute("role", "alert"); status(t("status.used")); return false; }
        if (!sessionStorage.getItem(stored)) { status(t("status.badlink")); return false; }
      }
    }
    const saved = JSON.parse(sessionStorage.getItem(stored) || "null");
    if (!saved) { status(t("status.badlink")); return false; }
    participant = saved.participant; api = new NodeApi(saved.token);
    return true;
  }

  (async () => {
    status(t("status.loading"));
    if (!await credential()) return;
    try { session = await api.call("GET", `/v1/sessions/${sessionId}`); }
    catch (error) { sessionStorage.removeItem(stored); status(t("status.badlink")); return; }
    const recording = session.recording;
    $("capture").textContent = t(recording.mode === "audio+video" ? "capture.video" : "capture.audio");
    noticeShown = recording.notice;
    $("notice").textContent = noticeShown;  // exactly the configured text; its hash goes with the consent
    // The version the consent record names, so the customer can match it in an access export.
    $("notice-version").textContent = t("join.noticeVersion") + " " + recording.notice_version;
    $("notice-box").hidden = false;
    status("");
    if (recording.legal_basis === "consent" && recording.policy !== "forbidden") {
      $("question").hidden = false; $("agree").hidden = false; $("decline").hidden = false;
    } else {
      if (recording.policy === "required") $("question").textContent = t("policy.required");
      if (recording.policy === "forbidden") $("question").textContent = t("policy.forbidden");
      $("question").hidden = recording.policy === "optional";
      $("continue").hidden = false;
    }
  })();
})();
