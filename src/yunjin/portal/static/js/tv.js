// The TV portal: screens driven only by remote-control keys.
import { Api, ApiError, EventReporter } from "./api.js";
import { t, pick, translate, language, setLanguage } from "./i18n.js";
import { actionOf } from "./keys.js";
import { Player } from "./player.js";
import { clock, dayLabel, duration, localMidnight, setZone } from "./time.js";
import { createVod } from "./tv-vod.js";
import { createZones } from "./tv-zones.js";
import { eventChannel, eventRequest } from "./zones-shared.js";

const $ = (id) => document.getElementById(id);
const HOUR = 3600000;
const GUIDE_HOURS = 3;
const BANNER_MS = 6000;
const NUMBER_ENTRY_MS = 1500;
const SEEK_S = 10;
const SKIP_S = 60;

const api = new Api("yunjin.tv.session");
const reporter = new EventReporter(api, "tv");
const player = new Player($("video"), api, reporter, {
  onState: () => banner.refresh(),
  onError: (message) => (message ? toast(message) : null),
  onEnded: (playing) => (playing?.mode === "news" ? centres.ended() : vod.ended()),
});

// ---------- shared state ----------

const state = {
  channels: [], // from the guide: {id, number, name, programmes}
  guideNow: null, // the last guide fetch around now
  handoff: null, // {code, svg, expires}
};

function channelByNumber(number) {
  return state.channels.find((c) => c.number === number);
}

// live events' temporary channels played from a zone: in no lineup, known while they play
const eventChannels = new Map();

function channelById(id) {
  return state.channels.find((c) => c.id === id) || eventChannels.get(id);
}

function programmeAt(channel, ms) {
  return (channel?.programmes || []).find((p) => p.start * 1000 <= ms && ms < p.stop * 1000) || null;
}

function programmeAfter(channel, ms) {
  return (channel?.programmes || []).find((p) => p.start * 1000 > ms) || null;
}

async function refreshNow() {
  const answer = await api.guide(Date.now() / 1000 - 4 * 3600, 8);
  setZone(answer.timezone);
  state.channels = answer.channels;
  state.guideNow = answer;
}

let toastTimer = null;
function toast(message, ms = 4000) {
  const element = $("toast");
  element.textContent = message;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (element.hidden = true), ms);
}

function errorText(error) {
  return error instanceof ApiError ? error.localized() : String(error.message || error);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

// ---------- screens ----------

const stack = [];

function current() {
  return stack[stack.length - 1];
}

function open(screen, params) {
  current()?.hide();
  stack.push(screen);
  screen.show(params);
}

// Back: leave the top screen for the one below it (home stays).
function back() {
  if (stack.length <= 1) return;
  stack.pop().hide();
  current().show();
}

// Replace the whole stack (after login, or "home").
function reset(screen, params) {
  while (stack.length) stack.pop().hide();
  open(screen, params);
}

// ---------- login ----------

const login = {
  fields: ["login-mac", "login-serial", "login-password", "login-submit"],
  focus: 0,
  show() {
    $("login").hidden = false;
    const query = new URLSearchParams(location.search);
    $("login-mac").value = query.get("mac") || localStorage.getItem("yunjin.tv.mac") || "";
    $("login-serial").value = query.get("serial") || localStorage.getItem("yunjin.tv.serial") || "";
    this.place(0);
    // a set-top box's launcher passes its identity in the URL: log in without asking
    if (query.get("mac") && query.get("serial") && !this.triedFromUrl) {
      this.triedFromUrl = true;
      this.submit();
    }
  },
  hide() {
    $("login").hidden = true;
  },
  place(index) {
    this.focus = (index + this.fields.length) % this.fields.length;
    for (const id of this.fields) $(id).classList.remove("focused");
    const target = $(this.fields[this.focus]);
    target.classList.add("focused");
    target.focus();
  },
  key({ action }) {
    if (action === "up") this.place(this.focus - 1);
    else if (action === "down") this.place(this.focus + 1);
    else if (action === "ok") {
      if (this.focus < 3) this.place(this.focus + 1);
      else this.submit();
    } else return false;
    return true;
  },
  // Let typing reach the inputs; Backspace edits text here rather than going back.
  wantsTyping(event) {
    return this.focus < 3 && !["ArrowUp", "ArrowDown", "Enter", "Escape"].includes(event.key);
  },
  async submit() {
    $("login-error").textContent = t("loggingIn");
    const mac = $("login-mac").value.trim();
    const serial = $("login-serial").value.trim();
    const password = $("login-password").value || undefined;
    try {
      const answer = await api.post("/api/v1/auth/stb", { mac, serial, password });
      api.remember(answer.session);
      localStorage.setItem("yunjin.tv.mac", mac);
      localStorage.setItem("yunjin.tv.serial", serial);
      $("login-error").textContent = "";
      await start();
    } catch (error) {
      $("login-error").textContent = errorText(error);
    }
  },
};

// ---------- home ----------

const ZONES = [
  { key: "vod", kind: "vod" },
  { key: "zoneNews", kind: "zone", group: "news", sub: "zoneNewsTile" },
  { key: "zoneGov", kind: "zone", group: "gov", sub: "zoneGovTile" },
  { key: "zoneServices", kind: "zone", group: "services", sub: "zoneServicesTile" },
  { key: "guide", kind: "guide" },
  { key: "settings", kind: "settings" },
];

const home = {
  rows: [[], [], []],
  row: 0,
  col: 0,
  async show() {
    $("home").hidden = false;
    player.stop();
    $("home-clock").textContent = clock(Date.now());
    await this.render();
  },
  hide() {
    $("home").hidden = true;
  },
  async render() {
    const now = Date.now();
    const live = $("row-live");
    live.replaceChildren();
    this.rows[0] = state.channels.slice(0, 5).map((channel) => {
      const tile = el("div", "tile");
      const p = programmeAt(channel, now);
      tile.append(el("span", "num", String(channel.number)), el("span", "name", pick(channel.name)));
      tile.append(el("span", "sub", p ? pick(p.titles, p.title) : t("noProgramme")));
      if (p) {
        const bar = el("div", "bar");
        const fill = el("i");
        fill.style.width = `${(100 * (now - p.start * 1000)) / ((p.stop - p.start) * 1000)}%`;
        bar.append(fill);
        tile.append(bar);
      }
      tile.dataset.channel = channel.id;
      live.append(tile);
      return { tile, run: () => tune(channel, { mode: "live" }) };
    });
    const unfinished = $("row-continue");
    unfinished.replaceChildren();
    let items = [];
    try {
      items = (await api.get("/api/v1/portal/home")).continue;
    } catch (error) {
      console.warn(error);
    }
    this.rows[1] = items.slice(0, 5).map(({ programme: p, position }) => {
      const tile = el("div", "tile");
      const channel = channelById(p.channel);
      tile.append(el("span", "name", pick(p.titles, p.title)));
      tile.append(el("span", "sub", `${pick(channel?.name)} ${dayLabel(p.start * 1000)} ${clock(p.start * 1000)}`));
      const bar = el("div", "bar");
      const fill = el("i");
      fill.style.width = `${(100 * (position - p.start * 1000)) / ((p.stop - p.start) * 1000)}%`;
      bar.append(fill);
      tile.append(bar);
      unfinished.append(tile);
      return { tile, run: () => playProgramme(p, position) };
    });
    if (!items.length) unfinished.append(el("div", "empty", t("nothingToContinue")));
    const zones = $("row-zones");
    zones.replaceChildren();
    this.rows[2] = ZONES.map((zone) => {
      const tile = el("div", "tile zone");
      tile.append(el("span", "name", t(zone.key)));
      if (zone.kind === "zone") tile.append(el("span", "sub", t(zone.sub)));
      tile.dataset.zone = zone.key;
      if (zone.kind === "vod") tile.append(el("span", "sub", t("vodTile")));
      zones.append(tile);
      const run = {
        vod: () => open(vod.shelves),
        zone: () => open(centres.page, { group: zone.group }),
        guide: () => open(guide),
        settings: () => open(settings),
      }[zone.kind];
      return { tile, run };
    });
    this.place(this.row, this.col);
  },
  place(row, col) {
    const rows = this.rows;
    if (!rows[row]?.length) row = rows.findIndex((r) => r.length);
    if (row < 0) return;
    this.row = row;
    this.col = Math.max(0, Math.min(col, rows[row].length - 1));
    for (const r of rows) for (const item of r) item.tile.classList.remove("focused");
    rows[this.row][this.col].tile.classList.add("focused");
  },
  move(step) {
    let row = this.row + step;
    while (row >= 0 && row < this.rows.length && !this.rows[row].length) row += step;
    if (row >= 0 && row < this.rows.length) this.place(row, this.col);
  },
  key({ action, digit }) {
    if (action === "up") this.move(-1);
    else if (action === "down") this.move(1);
    else if (action === "left") this.place(this.row, this.col - 1);
    else if (action === "right") this.place(this.row, this.col + 1);
    else if (action === "ok") this.rows[this.row][this.col]?.run();
    else if (action === "digit") numberEntry.add(digit);
    else if (action === "green") open(guide);
    else if (action === "menu") open(settings);
    else return false;
    return true;
  },
};

// ---------- number entry ----------

const numberEntry = {
  digits: "",
  timer: null,
  add(digit) {
    this.digits = (this.digits + digit).slice(-4);
    $("number").textContent = this.digits;
    $("number").hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.commit(), NUMBER_ENTRY_MS);
  },
  commit() {
    clearTimeout(this.timer);
    const number = Number(this.digits);
    this.digits = "";
    $("number").hidden = true;
    const channel = channelByNumber(number);
    if (channel) tune(channel, { mode: "live" });
    else toast(t("noSuchChannel", { n: number }));
  },
  get active() {
    return this.digits.length > 0;
  },
};

// ---------- playback ----------

async function playRequest(request, zapStartedAt = null) {
  try {
    await player.play(request, { zapStartedAt });
    if (current() !== watch) open(watch);
    else watch.show();
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === "parental_pin_required") {
      pinDialog.ask(t("enterPin"), async (pin) => {
        player.pin = pin;
        return playRequest(request, zapStartedAt);
      });
      return false;
    }
    toast(errorText(error));
    return false;
  }
}

function tune(channel, { mode = "live", zapStartedAt = performance.now() } = {}) {
  const now = Date.now();
  const p = programmeAt(channel, now);
  return playRequest(
    { channel: channel.id, mode, programmeStart: p ? p.start * 1000 : undefined },
    zapStartedAt,
  );
}

function playProgramme(p, at) {
  return playRequest({
    channel: p.channel,
    mode: "catchup",
    start: p.start,
    duration: p.stop - p.start,
    programmeStart: p.start * 1000,
    at,
  });
}

function startOver() {
  const playing = player.current;
  if (!playing) return;
  const channel = channelById(playing.channel);
  const p = programmeAt(channel, player.position() ?? Date.now());
  if (!p) return toast(t("noProgramme"));
  playRequest({ channel: channel.id, mode: "startover", start: p.start, programmeStart: p.start * 1000 });
}

function zap(step) {
  const channels = state.channels;
  if (!channels.length) return;
  const index = channels.findIndex((c) => c.id === player.current?.channel);
  tune(channels[(index + step + channels.length) % channels.length]);
}

// ---------- full-screen watching, with the banner ----------

const banner = {
  timer: null,
  visible: false,
  show(ms = BANNER_MS) {
    this.visible = true;
    $("banner").hidden = false;
    this.refresh();
    this.loadQr();
    clearTimeout(this.timer);
    if (ms) this.timer = setTimeout(() => this.hide(), ms);
  },
  hide() {
    if (player.paused) return; // a paused picture keeps its banner
    this.visible = false;
    $("banner").hidden = true;
  },
  refresh() {
    const playing = player.current;
    if (!playing || $("banner").hidden) return;
    const channel = channelById(playing.channel);
    const position = player.position() ?? Date.now();
    const p = programmeAt(channel, position);
    const next = programmeAfter(channel, position);
    $("banner-number").textContent = channel ? String(channel.number) : "";
    $("banner-name").textContent = pick(channel?.name, playing.channel);
    const behind = player.behindLiveMs();
    const mode = player.paused ? "paused" : playing.mode;
    $("banner-mode").textContent = t(mode);
    $("banner-behind").textContent =
      playing.mode !== "live" && behind != null && behind > 5000 ? t("behindLive", { t: duration(behind) }) : "";
    $("banner-now-title").textContent = p ? pick(p.titles, p.title) : t("noProgramme");
    $("banner-now-time").textContent = p ? `${clock(p.start * 1000)}–${clock(p.stop * 1000)}` : "";
    $("banner-next-title").textContent = next ? pick(next.titles, next.title) : "";
    $("banner-next-time").textContent = next ? clock(next.start * 1000) : "";
    if (p) {
      const span = (p.stop - p.start) * 1000;
      const aired = Math.min(Date.now(), p.stop * 1000) - p.start * 1000;
      $("banner-progress").style.width = `${Math.max(0, (100 * aired) / span)}%`;
      $("banner-playhead").style.left = `${Math.max(0, Math.min(100, (100 * (position - p.start * 1000)) / span))}%`;
    }
    const keys = { live: "keysLive", timeshift: "keysShifted", startover: "keysShifted", catchup: "keysCatchup" };
    $("banner-keys").textContent = t(keys[playing.mode]);
  },
  async loadQr() {
    if (state.handoff && state.handoff.expires > Date.now() + 60000) return;
    try {
      const answer = await api.post("/api/v1/portal/handoff");
      state.handoff = { ...answer, expires: Date.now() + 9 * 60000 };
      $("banner-qr").innerHTML = answer.svg; // markup made by Yunjin (segno), not by users
      $("banner-qr").dataset.url = answer.url;
    } catch (error) {
      console.warn("handoff", error);
    }
  },
};

const watch = {
  show() {
    banner.show();
  },
  hide() {
    clearTimeout(banner.timer);
    $("banner").hidden = true;
    banner.visible = false;
  },
  key({ action, digit }) {
    const shifted = player.mode && player.mode !== "live";
    switch (action) {
      case "digit":
        numberEntry.add(digit);
        break;
      case "ok":
        if (numberEntry.active) numberEntry.commit();
        else if (player.mode === "live") open(channelList);
        else player.togglePause().then(() => banner.show());
        break;
      case "up":
      case "chup":
        if (player.mode === "catchup") return false;
        zap(1);
        break;
      case "down":
      case "chdown":
        if (player.mode === "catchup") return false;
        zap(-1);
        break;
      case "left":
      case "right":
      case "rewind":
      case "ffwd": {
        const sign = action === "left" || action === "rewind" ? -1 : 1;
        const step = action === "left" || action === "right" ? SEEK_S : SKIP_S;
        if (shifted) player.seekBy(sign * step);
        banner.show();
        break;
      }
      case "playpause":
      case "pause":
      case "play":
        if (action === "pause" && player.paused) break;
        if (action === "play" && !player.paused) break;
        player.togglePause().then(() => banner.show(player.paused ? 0 : BANNER_MS));
        break;
      case "red":
        startOver();
        break;
      case "green":
        open(guide);
        break;
      case "yellow":
      case "live":
        if (player.mode !== "live" || player.paused) player.goLive().then(() => banner.show());
        break;
      case "info":
      case "blue":
        if (banner.visible) banner.hide();
        else banner.show(0);
        break;
      case "back":
        if (banner.visible && !player.paused) banner.hide();
        else back();
        break;
      case "stop":
        back();
        break;
      default:
        return false;
    }
    return true;
  },
};

// ---------- channel list overlay ----------

const channelList = {
  focus: 0,
  show() {
    $("channels").hidden = false;
    const list = $("channel-items");
    list.replaceChildren();
    const now = Date.now();
    state.channels.forEach((channel, index) => {
      const item = el("li", "channel-item");
      item.append(el("span", "num", String(channel.number)), el("span", "name", pick(channel.name)));
      const p = programmeAt(channel, now);
      item.append(el("span", "sub", p ? pick(p.titles, p.title) : ""));
      if (channel.id === player.current?.channel) {
        item.classList.add("current");
        this.focus = index;
      }
      list.append(item);
    });
    this.place(this.focus);
  },
  hide() {
    $("channels").hidden = true;
  },
  place(index) {
    const items = $("channel-items").children;
    if (!items.length) return;
    this.focus = (index + items.length) % items.length;
    for (const item of items) item.classList.remove("focused");
    items[this.focus].classList.add("focused");
    items[this.focus].scrollIntoView({ block: "nearest" });
  },
  key({ action, digit }) {
    if (action === "up") this.place(this.focus - 1);
    else if (action === "down") this.place(this.focus + 1);
    else if (action === "chup") this.place(this.focus - 8);
    else if (action === "chdown") this.place(this.focus + 8);
    else if (action === "ok") {
      const channel = state.channels[this.focus];
      back();
      tune(channel);
    } else if (action === "digit") {
      back();
      numberEntry.add(digit);
    } else if (action === "back" || action === "left") back();
    else return false;
    return true;
  },
};

// ---------- the guide: channels × time, 7 days back and ahead ----------

const guide = {
  windowStart: 0, // UTC ms, on a half hour
  data: null,
  row: 0,
  top: 0,
  focusAt: 0, // the time the focus follows across rows
  onDays: false,
  rows: 6,
  show(params) {
    $("guide").hidden = false;
    $("guide-clock").textContent = clock(Date.now());
    if (!this.data || params?.reset) {
      const now = Date.now();
      this.windowStart = Math.floor((now - HOUR / 2) / (HOUR / 2)) * (HOUR / 2);
      this.focusAt = now;
      const playing = player.current?.channel;
      const index = state.channels.findIndex((c) => c.id === playing);
      this.row = Math.max(0, index);
    }
    this.load();
  },
  hide() {
    $("guide").hidden = true;
  },
  maxDaysBack() {
    return Math.max(1, ...state.channels.map((c) => c.catchup_days || 0));
  },
  async load() {
    const answer = await api.guide(this.windowStart / 1000, GUIDE_HOURS);
    this.data = answer;
    this.render();
  },
  days() {
    const today = localMidnight(Date.now());
    const list = [];
    for (let d = -this.maxDaysBack(); d <= 2; d++) list.push(today + d * 24 * HOUR);
    return list.map((ms, i) => ({ ms, offset: i - this.maxDaysBack() }));
  },
  dayIndex() {
    const days = this.days();
    const midnight = localMidnight(this.focusAt);
    return Math.max(0, days.findIndex((d) => Math.abs(d.ms - midnight) < HOUR * 2));
  },
  render() {
    const days = $("guide-days");
    days.replaceChildren();
    const selected = this.dayIndex();
    this.days().forEach((day, index) => {
      const label = { "-1": t("yesterday"), 0: t("today"), 1: t("tomorrow") }[day.offset] || dayLabel(day.ms + HOUR * 12);
      const chip = el("span", "day", label);
      if (index === selected) chip.classList.add("selected");
      if (index === selected && this.onDays) chip.classList.add("focused");
      days.append(chip);
    });
    const times = $("guide-times");
    times.replaceChildren();
    const width = 1280 - 112 - 190;
    const span = GUIDE_HOURS * HOUR;
    const x = (ms) => ((ms - this.windowStart) / span) * width;
    for (let ms = this.windowStart; ms < this.windowStart + span; ms += HOUR / 2) {
      const tick = el("span", null, clock(ms));
      tick.style.left = `${x(ms)}px`;
      times.append(tick);
    }
    const rows = $("guide-rows");
    rows.replaceChildren();
    const channels = this.data.channels;
    this.row = Math.max(0, Math.min(this.row, channels.length - 1));
    if (this.row < this.top) this.top = this.row;
    if (this.row >= this.top + this.rows) this.top = this.row - this.rows + 1;
    const now = Date.now();
    this.focused = null;
    channels.slice(this.top, this.top + this.rows).forEach((channel, offset) => {
      const line = el("div", "guide-row");
      const label = el("div", "label");
      label.append(el("span", "num", String(channel.number)), el("span", null, pick(channel.name)));
      const cells = el("div", "cells");
      const isRow = this.top + offset === this.row;
      for (const p of channel.programmes) {
        const start = Math.max(p.start * 1000, this.windowStart);
        const stop = Math.min(p.stop * 1000, this.windowStart + span);
        if (stop <= start) continue;
        const cell = el("div", "cell", pick(p.titles, p.title));
        cell.classList.add(p.stop * 1000 <= now ? "past" : p.live ? "live" : "future");
        if (p.in_archive) cell.classList.add("archive");
        cell.style.left = `${x(start)}px`;
        cell.style.width = `${Math.max(4, x(stop) - x(start) - 3)}px`;
        if (isRow && !this.onDays && p.start * 1000 <= this.focusAt && this.focusAt < p.stop * 1000) {
          cell.classList.add("focused");
          this.focused = p;
        }
        cells.append(cell);
      }
      if (now >= this.windowStart && now < this.windowStart + span) {
        const line2 = el("div", "nowline");
        line2.style.left = `${x(now)}px`;
        cells.append(line2);
      }
      line.append(label, cells);
      rows.append(line);
    });
    this.detail();
  },
  detail() {
    const p = this.focused;
    $("guide-detail-title").textContent = p ? pick(p.titles, p.title) : t("noProgramme");
    $("guide-detail-time").textContent = p
      ? `${dayLabel(p.start * 1000)} ${clock(p.start * 1000)}–${clock(p.stop * 1000)}`
      : "";
    $("guide-detail-desc").textContent = p ? pick(p.descriptions, p.description) : "";
    let status = "";
    if (p) {
      if (p.live) status = `${t("live")} · OK ${t("play")} · ${t("startover")}`;
      else if (p.stop * 1000 <= Date.now()) status = p.in_archive ? `${t("catchup")} · OK ${t("play")}` : t("notInArchive");
      else status = t("notYetAired");
    }
    $("guide-detail-state").textContent = status;
  },
  async moveTime(direction) {
    const list = this.data.channels[this.row]?.programmes || [];
    const index = list.findIndex((p) => p.start * 1000 <= this.focusAt && this.focusAt < p.stop * 1000);
    const target = index >= 0 ? list[index + direction] : null;
    this.focusAt = target ? target.start * 1000 : this.focusAt + (direction * HOUR) / 2;
    const span = GUIDE_HOURS * HOUR;
    if (this.focusAt >= this.windowStart && this.focusAt < this.windowStart + span) return this.render();
    const halfHour = Math.floor(this.focusAt / (HOUR / 2)) * (HOUR / 2);
    this.windowStart = direction > 0 ? halfHour - HOUR : halfHour - HOUR / 2;
    await this.load();
  },
  async changeDay(step) {
    const days = this.days();
    const index = Math.max(0, Math.min(days.length - 1, this.dayIndex() + step));
    const timeOfDay = this.focusAt - localMidnight(this.focusAt);
    this.focusAt = days[index].ms + timeOfDay;
    this.windowStart = Math.floor((this.focusAt - HOUR / 2) / (HOUR / 2)) * (HOUR / 2);
    await this.load();
  },
  key({ action }) {
    if (this.onDays) {
      if (action === "left") this.changeDay(-1);
      else if (action === "right") this.changeDay(1);
      else if (action === "down" || action === "ok") {
        this.onDays = false;
        this.render();
      } else if (action === "back") back();
      else return false;
      return true;
    }
    switch (action) {
      case "up":
        if (this.row === 0) this.onDays = true;
        else this.row -= 1;
        this.render();
        break;
      case "down":
        this.row = Math.min(this.row + 1, this.data.channels.length - 1);
        this.render();
        break;
      case "chup":
        this.row = Math.max(0, this.row - this.rows);
        this.render();
        break;
      case "chdown":
        this.row = Math.min(this.data.channels.length - 1, this.row + this.rows);
        this.render();
        break;
      case "left":
        this.moveTime(-1);
        break;
      case "right":
        this.moveTime(1);
        break;
      case "yellow":
        this.changeDay(-1);
        break;
      case "blue":
        this.changeDay(1);
        break;
      case "ok":
      case "red":
        this.choose(action === "red");
        break;
      case "back":
        back();
        break;
      default:
        return false;
    }
    return true;
  },
  choose(fromStart) {
    const p = this.focused;
    if (!p) return;
    const channel = channelById(p.channel) || this.data.channels[this.row];
    if (p.live) {
      if (fromStart) playRequest({ channel: p.channel, mode: "startover", start: p.start, programmeStart: p.start * 1000 });
      else tune(channel);
    } else if (p.stop * 1000 <= Date.now()) {
      if (p.in_archive) playProgramme(p);
      else toast(t("notInArchive"));
    } else toast(t("notYetAired"));
  },
};

// ---------- settings ----------

const settings = {
  focus: 0,
  items() {
    return [
      { label: t("language"), value: t("languageName"), run: () => this.toggleLanguage() },
      { label: t("changePin"), value: "", run: () => this.changePin() },
      { label: t("logout"), value: "", run: () => logout() },
    ];
  },
  show() {
    $("settings").hidden = false;
    this.render();
  },
  hide() {
    $("settings").hidden = true;
    $("settings-message").textContent = "";
  },
  render() {
    const list = $("settings-items");
    list.replaceChildren();
    this.items().forEach((item, index) => {
      const row = el("li", "setting");
      row.append(el("span", null, item.label), el("span", null, item.value));
      if (index === this.focus) row.classList.add("focused");
      list.append(row);
    });
  },
  toggleLanguage() {
    setLanguage(language() === "en" ? "zh-CN" : "en");
    translate();
    this.render();
  },
  changePin() {
    pinDialog.ask(t("oldPin"), (old) =>
      pinDialog.ask(t("newPin"), async (pin) => {
        await api.post("/api/v1/household/pin", { current: old, new: pin });
        $("settings-message").textContent = t("pinChanged");
        return true;
      }),
    );
  },
  key({ action }) {
    const count = this.items().length;
    if (action === "up") this.focus = (this.focus - 1 + count) % count;
    else if (action === "down") this.focus = (this.focus + 1) % count;
    else if (action === "ok") this.items()[this.focus].run();
    else if (action === "back") return back(), true;
    else return false;
    this.render();
    return true;
  },
};

// ---------- PIN dialog (on top of any screen) ----------

const pinDialog = {
  open: false,
  digits: "",
  submit: null,
  ask(title, submit) {
    this.open = true;
    this.digits = "";
    this.submit = submit;
    $("pin-title").textContent = title;
    $("pin-error").textContent = "";
    $("pin").hidden = false;
    this.render();
  },
  render() {
    $("pin-digits").textContent = "●".repeat(this.digits.length) + "○".repeat(Math.max(0, 4 - this.digits.length));
  },
  close() {
    this.open = false;
    $("pin").hidden = true;
  },
  async key({ action, digit }) {
    if (action === "digit" && this.digits.length < 8) this.digits += digit;
    else if (action === "left") this.digits = this.digits.slice(0, -1);
    else if (action === "back") return this.close(), true;
    else if (action === "ok" && this.digits) {
      const submit = this.submit;
      const digits = this.digits;
      this.close();
      try {
        await submit(digits);
      } catch (error) {
        this.ask($("pin-title").textContent, submit);
        $("pin-error").textContent = errorText(error);
      }
      return true;
    } else if (action !== "digit") return true; // the dialog keeps every key
    this.render();
    return true;
  },
};

// ---------- VOD (tv-vod.js) ----------

const vod = createVod({
  $, el, api, player, open, back, toast, errorText,
  askPin: (title, submit) => pinDialog.ask(title, submit),
});

// ---------- the media centres' zones (tv-zones.js) ----------

const centres = createZones({
  $, el, api, player, open, back, toast, errorText,
  tune: (id, story) => {
    if (story?.details?.temporary) {
      eventChannels.set(id, eventChannel(story));
      playRequest(eventRequest(story.details));
      return true;
    }
    const channel = channelById(id);
    if (channel) tune(channel);
    return Boolean(channel);
  },
  channelName: (id) => {
    const channel = channelById(id);
    return channel ? `${channel.number} ${pick(channel.name)}` : id;
  },
});

// ---------- keys and start-up ----------

document.addEventListener("keydown", (event) => {
  const screen = current();
  if (screen === login && login.wantsTyping(event)) return;
  const found = actionOf(event);
  if (!found) return;
  event.preventDefault();
  if (pinDialog.open) return void pinDialog.key(found);
  if (screen && screen.key(found)) return;
  if (found.action === "home" && stack[0] === home) reset(home);
  else if (found.action === "back") back();
});

async function logout() {
  player.stop();
  await api.post("/api/v1/auth/logout").catch(() => {});
  api.remember(null);
  reset(login);
}

async function start() {
  try {
    await refreshNow();
    await api.get("/api/v1/portal/home"); // is the remembered session still good?
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      api.remember(null);
      return reset(login);
    }
    toast(errorText(error));
  }
  reset(home);
  const query = new URLSearchParams(location.search);
  const channel = channelByNumber(Number(query.get("channel")));
  if (channel) tune(channel);
}

function fitStage() {
  const scale = Math.min(innerWidth / 1280, innerHeight / 720);
  $("stage").style.transform = `scale(${scale})`;
}

addEventListener("resize", fitStage);
setInterval(() => refreshNow().then(() => banner.refresh()).catch(() => {}), 60000);
setInterval(() => banner.refresh(), 1000);

// For tests and the zap-time benchmark: the state a viewer sees, read-only by convention.
window.yunjin = { player, state, stack: () => stack.map((s) => Object.keys(screens).find((k) => screens[k] === s)), reporter };
const screens = {
  login, home, watch, channelList, guide, settings,
  vod: vod.shelves, vodSearch: vod.search, vodDetail: vod.detail, vodWatch: vod.watch,
  zones: centres.page, zoneStory: centres.story, zoneWatch: centres.watch,
};

fitStage();
translate();
if (api.session) start();
else reset(login);
