// Names, times and severities as the dashboard shows them.

export const SEVERITIES = ["none", "low", "medium", "high", "critical"];

export const severityRank = (severity) => Math.max(0, SEVERITIES.indexOf(severity));

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
const languageNames = new Intl.DisplayNames(["en"], { type: "language" });

export function countryName(code) {
  if (code === "EU") return "European Union";
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

export function languageName(code) {
  if (!code || code === "und") return "unknown language";
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
}

const topicLabels = {
  "military-activity": "Military activity",
  "defense-cooperation": "Defence cooperation",
  "armed-conflict": "Armed conflict",
  "missiles-wmd": "Missiles & WMD",
  terrorism: "Terrorism",
  cyber: "Cyber",
  "hybrid-threats": "Hybrid threats",
  "maritime-security": "Maritime security",
  "arms-trade": "Arms trade",
  sanctions: "Sanctions",
  "civil-unrest": "Civil unrest",
};

export const topicLabel = (id) => topicLabels[id] ?? id.replace(/-/g, " ");

const timeFormat = new Intl.DateTimeFormat("en-GB", {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", timeZoneName: "short",
});

export const absoluteTime = (iso) => (iso ? timeFormat.format(new Date(iso)) : "never");

export function relativeTime(iso, now = Date.now()) {
  if (!iso) return "never";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const past = seconds <= 0;
  const s = Math.abs(seconds);
  let text;
  if (s < 45) text = `${s} s`;
  else if (s < 45 * 60) text = `${Math.round(s / 60)} min`;
  else if (s < 36 * 3600) text = `${Math.round(s / 3600)} h`;
  else text = `${Math.round(s / 86400)} d`;
  return past ? `${text} ago` : `in ${text}`;
}

export const number = (value, digits = 0) =>
  value === null || value === undefined ? "–" : Number(value).toLocaleString("en", { maximumFractionDigits: digits });

export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
