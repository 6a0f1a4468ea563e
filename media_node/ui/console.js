// The agent's console: create a session, hand out the join link, see consent and recording
// state (failed included, with its reason), start/stop where optional, end the call.
"use strict";
(function () {
  translatePage();
  const $ = id => document.getElementById(id);
  const fragment = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", location.pathname + location.search);
  if (fragment.get("t")) $("token").value = fragment.get("t");
  if (fragment.get("a")) $("agent").value = fragment.get("a");
  const status = text => { $("status").textContent = text; };
  let api = null, sessionId = null, call = null, poller = null, policy = null, customer = null;

  async function loadTypes() {
    if (!$("token").value) return;
    try {
      const types = await new NodeApi($("token").value).call("GET", "/v1/meeting-types");
      $("type").replaceChildren(...types.map(m => new Option(`${m.name} (${m.recording}, ${m.mode})`, m.name)));
    } catch (error) { status(t("status.error") + error.message); }
  }
  $("token").addEventListener("change", loadTypes);
  loadTypes();

  async function refresh() {
    const session = await api.call("GET", `/v1/sessions/${sessionId}`);
    const recording = session.recording;
    const [kind, label] = recordingLabel(recording);
    $("indicator").className = "indicator " + kind;
    $("indicator").textContent = `${label} (${recording.state})`;
    $("indicator").dataset.state = recording.state;
    const streams = Object.entries(recording.failed_streams || {}).map(([k, v]) => `${k}: ${v}`);
    $("reason").textContent = [recording.reason || "", ...streams].filter(Boolean).join(" · ");
    $("start").hidden = policy !== "optional" || recording.state === "recording" || recording.state === "degraded";
    $("stop").hidden = policy !== "optional" || !(recording.state === "recording" || recording.state === "degraded");
    showJoin((session.joins || []).find(j => j.participant === customer));
    $("consents").replaceChildren(...session.consents.map(c => {
      const row = document.createElement("tr");
      for (const value of [c.participant, c.granted ? t("yes") : t("no"), c.at]) {
        const cell = document.createElement("td"); cell.textContent = value; row.append(cell);
      }
      return row;
    }));
  }

  // Who joined, and every refused use of a join link (e.g. someone opened it before the customer).
  function showJoin(join) {
    if (!join) return;
    $("joined").textContent = join.joined ? t("console.joined") + join.joined_at : t("console.waiting");
    $("joined").dataset.joined = String(join.joined);
    $("join-alert").textContent = join.refused_redemptions
      ? t("console.refused") + join.refused_redemptions + t("console.refusednote") : "";
    $("join-alert").dataset.refused = String(join.refused_redemptions);
  }
  function showLink(link, expires) {
    $("link").textContent = location.origin + link;
    $("link-expiry").textContent = t("console.linknote") + expires;
  }
  $("newlink").addEventListener("click", async () => {
    try {
      const fresh = await api.call("POST", `/v1/sessions/${sessionId}/join-codes`, { participant: customer });
      showLink(fresh.join, fresh.expires_at); status("");
    } catch (error) { status(t("status.error") + error.message); }
  });

  $("setup").addEventListener("submit", async event => {
    event.preventDefault();
    api = new NodeApi($("token").value);
    const agent = $("agent").value;
    customer = "cust-" + Array.from(crypto.getRandomValues(new Uint8Array(6)), b => b.toString(16).padStart(2, "0")).join("");
    try {
      const created = await api.call("POST", "/v1/sessions", {
        meeting_type: $("type").value,
        participants: [{ id: agent, role: "agent" }, { id: customer, role: "customer" }],
      });
      sessionId = created.session_id; policy = created.recording.policy;
      showLink(created.join[customer], created.join_expires_at[customer]);
      $("setup").hidden = true; $("live").hidden = false;
      $("live").dataset.session = sessionId;
      call = await startCall(api, sessionId, agent, created.ice_servers,
        created.recording.mode === "audio+video", null);
      await refresh();
      poller = setInterval(() => refresh().catch(error => status(t("status.error") + error.message)), 1000);
    } catch (error) { status(t("status.error") + error.message); }
  });
  // Where consent is the legal basis the agent's own consent is needed too: starting is giving it
  // (once, recorded with the notice version and the hash of the notice text).
  async function agentConsent() {
    const session = await api.call("GET", `/v1/sessions/${sessionId}`);
    const recording = session.recording;
    const agent = $("agent").value;
    const latest = session.consents.filter(c => c.participant === agent).pop();
    if (recording.legal_basis !== "consent" || (latest && latest.granted)) return;
    await api.call("POST", `/v1/sessions/${sessionId}/consent`, {
      participant: agent, granted: true, text_version: recording.notice_version,
      notice_sha256: await sha256Hex(recording.notice),
    });
  }
  for (const action of ["start", "stop"]) {
    $(action).addEventListener("click", async () => {
      try {
        if (action === "start") await agentConsent();
        await api.call("POST", `/v1/sessions/${sessionId}/recording`, { action }); status("");
      }
      catch (error) { status(t("status.error") + error.message); }
      await refresh();
    });
  }
  $("end").addEventListener("click", async () => {
    clearInterval(poller);
    try { await api.call("DELETE", `/v1/sessions/${sessionId}`); status(t("console.ended")); }
    catch (error) { status(t("status.error") + error.message); }
    stopCall(call); call = null; $("end").disabled = true; $("start").hidden = true; $("stop").hidden = true;
  });
})();
