// Times shown to viewers: in the operator's time zone (Asia/Shanghai by default).
import { language } from "./i18n.js";

let zone = "Asia/Shanghai";

export function setZone(name) {
  if (name) zone = name;
}

export function clock(ms) {
  return new Intl.DateTimeFormat(language(), {
    timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(ms));
}

export function dayLabel(ms) {
  return new Intl.DateTimeFormat(language(), {
    timeZone: zone, month: "numeric", day: "numeric", weekday: "short",
  }).format(new Date(ms));
}

// Midnight (UTC ms) of the local day that holds `ms`.
export function localMidnight(ms) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(ms));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const sinceMidnight = ((get("hour") * 60 + get("minute")) * 60 + get("second")) * 1000;
  return ms - (ms % 1000) - sinceMidnight;
}

export function duration(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(s).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${m}:${ss}`;
}
