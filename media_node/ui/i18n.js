// UI strings in English and German; the notice itself is shown exactly as configured.
"use strict";
const STRINGS = {
  en: {
    "join.title": "Join your call", "join.notice": "Before you join",
    "join.noticeVersion": "Notice version:",
    "join.question": "Do you agree that this call is recorded?",
    "join.agree": "I agree", "join.decline": "I do not agree", "join.continue": "Join the call",
    "join.incall": "In the call", "join.withdraw": "Withdraw my consent", "join.leave": "Leave the call",
    "capture.audio": "This is an audio call: only your microphone will be used, never your camera.",
    "capture.video": "This is a video call: your camera and microphone will be used once you join.",
    "policy.required": "This call is recorded as the law requires.",
    "policy.forbidden": "This call is never recorded.",
    "rec.on": "Recording", "rec.off": "Not recording", "rec.failed": "Recording failed",
    "status.loading": "Loading…", "status.badlink": "This join link is not valid or has expired: ask for a new one.",
    "status.used": "This join link was already used. If that was not you, tell the company that sent it: the attempt is recorded. Ask for a new link.",
    "status.connecting": "Connecting…", "status.connected": "Connected.",
    "status.agreed": "You agreed to the recording. You can withdraw at any time.",
    "status.declined": "You declined: nothing is recorded. You can still join the call.",
    "status.withdrawn": "You withdrew your consent: the recording has stopped.",
    "status.left": "You left the call.", "status.error": "Something went wrong: ",
    "console.title": "Agent console", "console.token": "Your access token",
    "console.agent": "Your agent id", "console.type": "Meeting type",
    "console.create": "Create session and join", "console.link": "Customer's join link",
    "console.consents": "Consents", "console.recording": "Recording",
    "console.start": "Start recording", "console.stop": "Stop recording", "console.end": "End the call",
    "console.participant": "Participant", "console.granted": "Granted", "console.at": "At",
    "console.ended": "Call ended.", "yes": "yes", "no": "no",
    "console.linknote": "Single use, valid until ", "console.newlink": "New join link",
    "console.waiting": "The customer has not opened the link yet.",
    "console.joined": "The customer joined at ",
    "console.refused": "Refused attempts to use a join link: ",
    "console.refusednote": " (already used, expired or replaced). If the customer cannot join, give them a new link.",
  },
  de: {
    "join.title": "Ihrem Gespräch beitreten", "join.notice": "Bevor Sie beitreten",
    "join.noticeVersion": "Fassung des Hinweises:",
    "join.question": "Sind Sie einverstanden, dass dieses Gespräch aufgezeichnet wird?",
    "join.agree": "Ich stimme zu", "join.decline": "Ich stimme nicht zu", "join.continue": "Dem Gespräch beitreten",
    "join.incall": "Im Gespräch", "join.withdraw": "Einwilligung widerrufen", "join.leave": "Gespräch verlassen",
    "capture.audio": "Dies ist ein Audiogespräch: nur Ihr Mikrofon wird verwendet, nie Ihre Kamera.",
    "capture.video": "Dies ist ein Videogespräch: Kamera und Mikrofon werden verwendet, sobald Sie beitreten.",
    "policy.required": "Dieses Gespräch wird aufgrund gesetzlicher Pflicht aufgezeichnet.",
    "policy.forbidden": "Dieses Gespräch wird nie aufgezeichnet.",
    "rec.on": "Aufzeichnung läuft", "rec.off": "Keine Aufzeichnung", "rec.failed": "Aufzeichnung fehlgeschlagen",
    "status.loading": "Wird geladen…", "status.badlink": "Dieser Link ist ungültig oder abgelaufen: bitten Sie um einen neuen.",
    "status.used": "Dieser Link wurde bereits verwendet. Falls Sie das nicht waren, sagen Sie es dem Unternehmen, das ihn gesendet hat: der Versuch ist protokolliert. Bitten Sie um einen neuen Link.",
    "status.connecting": "Verbindung wird aufgebaut…", "status.connected": "Verbunden.",
    "status.agreed": "Sie haben der Aufzeichnung zugestimmt. Sie können jederzeit widerrufen.",
    "status.declined": "Sie haben abgelehnt: nichts wird aufgezeichnet. Sie können trotzdem beitreten.",
    "status.withdrawn": "Sie haben Ihre Einwilligung widerrufen: die Aufzeichnung wurde beendet.",
    "status.left": "Sie haben das Gespräch verlassen.", "status.error": "Es ist ein Fehler aufgetreten: ",
    "console.title": "Agenten-Konsole", "console.token": "Ihr Zugangstoken",
    "console.agent": "Ihre Agenten-ID", "console.type": "Gesprächsart",
    "console.create": "Sitzung anlegen und beitreten", "console.link": "Beitrittslink für den Kunden",
    "console.consents": "Einwilligungen", "console.recording": "Aufzeichnung",
    "console.start": "Aufzeichnung starten", "console.stop": "Aufzeichnung beenden", "console.end": "Gespräch beenden",
    "console.participant": "Teilnehmer", "console.granted": "Erteilt", "console.at": "Zeitpunkt",
    "console.ended": "Gespräch beendet.", "yes": "ja", "no": "nein",
    "console.linknote": "Einmal verwendbar, gültig bis ", "console.newlink": "Neuer Beitrittslink",
    "console.waiting": "Der Kunde hat den Link noch nicht geöffnet.",
    "console.joined": "Der Kunde ist beigetreten um ",
    "console.refused": "Abgelehnte Versuche, einen Beitrittslink zu verwenden: ",
    "console.refusednote": " (bereits verwendet, abgelaufen oder ersetzt). Kann der Kunde nicht beitreten, geben Sie ihm einen neuen Link.",
  },
};
const LANG = (new URLSearchParams(location.search).get("lang") ||
  (navigator.language || "en")).slice(0, 2).toLowerCase() === "de" ? "de" : "en";
function t(key) { return STRINGS[LANG][key] || STRINGS.en[key] || key; }
function translatePage() {
  document.documentElement.lang = LANG;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = t(document.querySelector("title").dataset.i18n);
}
