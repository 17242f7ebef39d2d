// The phone portal: live, guide and catch-up by touch, and "continue from the TV".
import { Api, ApiError, EventReporter } from "./api.js";
import { t, pick, translate, language, setLanguage } from "./i18n.js";
import { Player } from "./player.js";
import { clock, dayLabel, duration, localMidnight, setZone } from "./time.js";
import { createPhoneZones } from "./m-zones.js";
import { eventChannel, eventRequest } from "./zones-shared.js";

const $ = (id) => document.getElementById(id);
const DAY = 86400000;

const api = new Api("yunjin.m.session");
const reporter = new EventReporter(api, "m");
const player = new Player($("video"), api, reporter, {
  onState: () => nowPlaying(),
  onError: (message) => ($("message").textContent = message || ""),
});
const state = { channels: [], guideChannel: null, guideDay: 0 };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function errorText(error) {
  return error instanceof ApiError ? error.localized() : String(error.message || error);
}

// live events' temporary channels played from 资讯: in no lineup, known while they play
const eventChannels = new Map();

function channelById(id) {
  return state.channels.find((c) => c.id === id) || eventChannels.get(id);
}

function programmeAt(channel, ms) {
  return (channel?.programmes || []).find((p) => p.start * 1000 <= ms && ms < p.stop * 1000) || null;
}

async function play(request) {
  $("message").textContent = "";
  try {
    await player.play(request);
  } catch (error) {
    if (error instanceof ApiError && error.code === "parental_pin_required") {
      const pin = prompt(t("enterPin"));
      if (pin) {
        player.pin = pin;
        return play(request);
      }
    }
    $("message").textContent = errorText(error);
  }
  renderChannels();
}

function playLive(channel) {
  const p = programmeAt(channel, Date.now());
  return play({ channel: channel.id, mode: "live", programmeStart: p ? p.start * 1000 : undefined });
}

function playProgramme(p, at) {
  return play({ channel: p.channel, mode: "catchup", start: p.start, duration: p.stop - p.start,
    programmeStart: p.start * 1000, at });
}

function nowPlaying() {
  const playing = player.current;
  if (playing?.mode === "news") {
    $("np-channel").textContent = playing.name || playing.title || "";
    $("np-mode").textContent = player.paused ? t("paused") : t("zones");
    $("np-title").textContent = "";
    $("btn-live").disabled = $("btn-startover").disabled = true;
    $("btn-rewind").disabled = $("btn-forward").disabled = false;
    return;
  }
  if (playing?.mode === "vod") {
    const episode = playing.episode ? ` ${t("vodEpisodeShort", { s: playing.season, e: playing.episode })}` : "";
    $("np-channel").textContent = `${playing.name || playing.title}${episode}`;
    $("np-mode").textContent = player.paused ? t("paused") : playing.uhd ? "4K" : t("vod");
    $("np-title").textContent = "";
    $("btn-live").disabled = $("btn-startover").disabled = true;
    $("btn-rewind").disabled = $("btn-forward").disabled = false;
    return;
  }
  const channel = channelById(playing?.channel);
  $("np-channel").textContent = channel ? `${channel.number} ${pick(channel.name)}`.trim() : "";
  $("np-mode").textContent = playing ? t(player.paused ? "paused" : playing.mode) : "";
  const p = programmeAt(channel, player.position() ?? Date.now());
  $("np-title").textContent = p ? `${pick(p.titles, p.title)} ${clock(p.start * 1000)}–${clock(p.stop * 1000)}` : "";
  const shifted = playing && playing.mode !== "live";
  $("btn-live").disabled = !playing || (!shifted && !player.pausedLiveAt);
  $("btn-rewind").disabled = $("btn-forward").disabled = !shifted;
  $("btn-startover").disabled = !playing;
}

// ---------- channels ----------

async function loadChannels() {
  const answer = await api.guide(Date.now() / 1000 - 8 * 3600, 12);
  setZone(answer.timezone);
  state.channels = answer.channels;
  state.guideChannel ??= state.channels[0]?.id;
}

function renderChannels() {
  const list = $("channel-list");
  list.replaceChildren();
  const now = Date.now();
  for (const channel of state.channels) {
    const item = el("li");
    const p = programmeAt(channel, now);
    const main = el("div", "main");
    main.append(el("span", null, pick(channel.name)), el("span", "sub", p ? pick(p.titles, p.title) : t("noProgramme")));
    item.append(el("span", "num", String(channel.number)), main);
    if (channel.id === player.current?.channel) item.classList.add("playing");
    item.addEventListener("click", () => playLive(channel));
    item.dataset.channel = channel.id;
    list.append(item);
  }
}

// ---------- guide ----------

async function renderGuide() {
  const chips = $("guide-channels");
  chips.replaceChildren();
  for (const channel of state.channels) {
    const chip = el("button", "chip", pick(channel.name));
    chip.type = "button";
    if (channel.id === state.guideChannel) chip.classList.add("selected");
    chip.addEventListener("click", () => {
      state.guideChannel = channel.id;
      renderGuide();
    });
    chips.append(chip);
  }
  const channel = state.channels.find((c) => c.id === state.guideChannel);
  const back = Math.max(1, channel?.catchup_days || 0);
  const days = $("guide-days");
  days.replaceChildren();
  const today = localMidnight(Date.now());
  for (let d = -back; d <= 2; d++) {
    const label = { "-1": t("yesterday"), 0: t("today"), 1: t("tomorrow") }[d] || dayLabel(today + d * DAY + DAY / 2);
    const chip = el("button", "chip", label);
    chip.type = "button";
    if (d === state.guideDay) chip.classList.add("selected");
    if (d === state.guideDay) requestAnimationFrame(() => chip.scrollIntoView({ inline: "center", block: "nearest" }));
    chip.addEventListener("click", () => {
      state.guideDay = d;
      renderGuide();
    });
    days.append(chip);
  }
  const list = $("guide-list");
  list.replaceChildren(el("li", null, t("loading")));
  const start = today + state.guideDay * DAY;
  const answer = await api.guide(start / 1000, 24);
  const programmes = answer.channels.find((c) => c.id === state.guideChannel)?.programmes || [];
  list.replaceChildren();
  const now = Date.now();
  for (const p of programmes) {
    const item = el("li");
    const main = el("div", "main");
    main.append(el("span", null, pick(p.titles, p.title)));
    let status = "";
    if (p.live) {
      item.classList.add("live");
      status = t("live");
    } else if (p.stop * 1000 <= now) {
      item.classList.add("past");
      status = p.in_archive ? t("catchup") : "";
    } else item.classList.add("future");
    main.append(el("span", "sub state", status));
    item.append(el("span", "num", clock(p.start * 1000)), main);
    item.addEventListener("click", () => {
      if (p.live) playLive(channel);
      else if (p.stop * 1000 <= now && p.in_archive) playProgramme(p);
      else $("message").textContent = t(p.stop * 1000 <= now ? "notInArchive" : "notYetAired");
    });
    list.append(item);
    if (p.live) requestAnimationFrame(() => item.scrollIntoView({ block: "center" }));
  }
}

// ---------- VOD: search by pinyin or initials, shelves, a title's page ----------

async function playVod(request) {
  $("message").textContent = "";
  try {
    await player.playVod(request);
    scrollTo({ top: 0, behavior: "smooth" });
  } catch (error) {
    if (error instanceof ApiError && error.code === "parental_pin_required") {
      const pin = prompt(t("enterPin"));
      if (pin) {
        player.pin = pin;
        return playVod(request);
      }
    }
    $("message").textContent = errorText(error);
  }
}

function posterButton(card) {
  const button = el("button");
  button.type = "button";
  const image = el("img");
  image.alt = "";
  image.src = card.poster;
  image.onerror = () => image.remove();
  button.append(image, el("span", null, pick(card.title)));
  button.dataset.title = card.code;
  button.addEventListener("click", () => showTitle(card.code, card.poster));
  return button;
}

async function renderShelves() {
  const root = $("vod-shelves");
  root.replaceChildren(el("p", "sub", t("loading")));
  try {
    const [{ shelves }, { continue: unfinished }] = await Promise.all([
      api.get("/api/v1/vod/shelves"),
      api.get("/api/v1/vod/continue"),
    ]);
    root.replaceChildren();
    if (unfinished.length) {
      const shelf = el("div", "shelf");
      shelf.append(el("h3", null, t("continueWatching")));
      const list = el("ul", "list");
      for (const item of unfinished) {
        const row = el("li");
        const where = item.episode ? `${t("vodEpisodeShort", { s: item.season, e: item.episode })} · ` : "";
        const main = el("div", "main");
        main.append(el("span", null, pick(item.name)), el("span", "sub", where + t("vodResumeAt", { t: duration(item.resume.position_s * 1000) })));
        row.append(main);
        row.dataset.title = item.title;
        row.addEventListener("click", () => playVod({ title: item.title, season: item.season, episode: item.episode, name: pick(item.name) }));
        list.append(row);
      }
      shelf.append(list);
      root.append(shelf);
    }
    for (const found of shelves) {
      const shelf = el("div", "shelf");
      const posters = el("div", "posters");
      posters.append(...found.titles.map(posterButton));
      shelf.append(el("h3", null, pick(found.name)), posters);
      root.append(shelf);
    }
    if (!shelves.length) root.append(el("p", "sub", t("vodNothing")));
  } catch (error) {
    root.replaceChildren();
    $("message").textContent = errorText(error);
  }
}

let searchAsked = 0;
async function searchVod() {
  const query = $("vod-query").value.trim();
  const list = $("vod-results");
  const asked = ++searchAsked;
  if (!query) return list.replaceChildren();
  let titles = [];
  try {
    titles = (await api.get(`/api/v1/vod/search?q=${encodeURIComponent(query)}&limit=10`)).titles;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 400)) $("message").textContent = errorText(error);
  }
  if (asked !== searchAsked) return;
  list.replaceChildren();
  if (!titles.length) list.append(el("li", "sub", t("vodNoMatch")));
  for (const hit of titles) {
    const row = el("li");
    const main = el("div", "main");
    main.append(el("span", null, pick(hit.title)), el("span", "sub", hit.year ? String(hit.year) : ""));
    row.append(main);
    row.dataset.title = hit.code;
    row.addEventListener("click", () => showTitle(hit.code));
    list.append(row);
  }
}

async function showTitle(code) {
  let view;
  try {
    view = await api.get(`/api/v1/vod/titles/${encodeURIComponent(code)}`);
  } catch (error) {
    $("message").textContent = errorText(error);
    return;
  }
  const name = pick(view.title);
  $("vod-detail").hidden = false;
  $("vod-detail-title").textContent = name;
  const facts = [view.year, view.age_rating ? `${view.age_rating}+` : null, (view.cast || []).join(" ")];
  $("vod-detail-facts").textContent = facts.filter(Boolean).join(" · ");
  $("vod-detail-desc").textContent = pick(view.description);
  const stoppedAt = (season, episode) =>
    (view.resume || []).find((r) => (r.season ?? null) === (season ?? null) && (r.episode ?? null) === (episode ?? null) && !r.finished);
  const list = $("vod-detail-items");
  list.replaceChildren();
  const entry = (label, request) => {
    const row = el("li", null, label);
    row.addEventListener("click", () => playVod(request));
    list.append(row);
  };
  if (view.kind === "movie") {
    const stopped = stoppedAt(null, null);
    if (stopped) entry(t("vodResumeAt", { t: duration(stopped.position_s * 1000) }), { title: code, name });
    entry(stopped ? t("vodFromStart") : t("play"), { title: code, name, at: 0 });
  } else {
    for (const season of view.seasons || []) {
      for (const episode of season.episodes) {
        const stopped = stoppedAt(season.number, episode.number);
        const where = stopped ? ` · ${t("vodResumeAt", { t: duration(stopped.position_s * 1000) })}` : "";
        entry(`${t("vodEpisodeShort", { s: season.number, e: episode.number })} ${pick(episode.title)}${where}`,
          { title: code, name, season: season.number, episode: episode.number });
      }
    }
  }
  $("vod-detail").scrollIntoView({ block: "start", behavior: "smooth" });
}

// ---------- 资讯: the media centres' zones (m-zones.js) ----------

const zones = createPhoneZones({
  $, el, api, player, errorText,
  say: (message) => ($("message").textContent = message),
  playLive: (id, story) => {
    if (story?.details?.temporary) {
      eventChannels.set(id, eventChannel(story));
      play(eventRequest(story.details)).then(() => scrollTo({ top: 0, behavior: "smooth" }));
      return true;
    }
    const channel = state.channels.find((c) => c.id === id);
    if (channel) playLive(channel).then(() => scrollTo({ top: 0, behavior: "smooth" }));
    return Boolean(channel);
  },
  channelName: (id) => {
    const channel = state.channels.find((c) => c.id === id);
    return channel ? `${channel.number} ${pick(channel.name)}` : id;
  },
});

function showTab(name) {
  for (const tab of ["channels", "guide", "vod", "zones"]) $(`tab-${tab}`).classList.toggle("selected", name === tab);
  $("channel-list").hidden = name !== "channels";
  $("guide").hidden = name !== "guide";
  $("vod").hidden = name !== "vod";
  $("zones").hidden = name !== "zones";
  if (name === "guide") renderGuide();
  if (name === "vod") renderShelves();
  if (name === "zones") zones.show();
}

// A story from a link: #story=510104/12 (a TV's QR code for it)
function storyLink() {
  const match = /story=(\d{6})\/(\d+)/.exec(location.hash);
  return match ? { zone: match[1], id: Number(match[2]) } : null;
}

async function openStoryLink() {
  const link = storyLink();
  if (!link) return;
  history.replaceState(null, "", location.pathname);
  showTab("zones");
  await zones.openLink(link.zone, link.id);
}

// ---------- continue from the TV ----------

async function continueFromTv(code) {
  $("message").textContent = t("continueOnPhone");
  try {
    const where = await api.get(`/api/v1/portal/handoff/${encodeURIComponent(code)}`);
    history.replaceState(null, "", location.pathname);
    const p = where.programme;
    if (where.mode === "live") await play({ channel: where.channel, mode: "live", programmeStart: p ? p.start * 1000 : undefined });
    else if (where.mode === "catchup" && p) await playProgramme(p, where.position);
    else if (where.mode === "startover" && p) await play({ channel: where.channel, mode: "startover", start: p.start, programmeStart: p.start * 1000, at: where.position });
    else await play({ channel: where.channel, mode: "timeshift", start: Math.floor(where.position / 1000), at: where.position });
  } catch (error) {
    $("message").textContent = errorText(error);
  }
}

// ---------- start-up ----------

function handoffCode() {
  const match = /continue=([^&]+)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

async function start() {
  try {
    await loadChannels();
    await api.get("/api/v1/portal/home"); // is the remembered session still good?
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      api.remember(null);
      return showLogin();
    }
    $("message").textContent = errorText(error);
  }
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  renderChannels();
  nowPlaying();
  const code = handoffCode();
  if (code) await continueFromTv(code);
  await openStoryLink();
}

// Each phone is its own device of the household (leases and the device list count it),
// named once per browser: the platform and a random tag.
function deviceLabel() {
  let label = localStorage.getItem("yunjin.m.device");
  if (!label) {
    const tag = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, "0")).join("");
    const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "web";
    label = `phone ${platform} ${tag}`.slice(0, 60);
    localStorage.setItem("yunjin.m.device", label);
  }
  return label;
}

function showLogin() {
  $("app").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = t("loggingIn");
  try {
    const answer = await api.post("/api/v1/auth/login", {
      account: $("login-account").value.trim(),
      password: $("login-password").value,
      device: deviceLabel(),
    });
    api.remember(answer.session);
    $("login-error").textContent = "";
    await start();
  } catch (error) {
    $("login-error").textContent = errorText(error);
  }
});

$("logout").addEventListener("click", async () => {
  player.stop();
  await api.post("/api/v1/auth/logout").catch(() => {});
  api.remember(null);
  showLogin();
});

$("lang").addEventListener("click", () => {
  setLanguage(language() === "en" ? "zh-CN" : "en");
  refreshLanguage();
});

function refreshLanguage() {
  translate();
  $("vod-query").placeholder = t("vodSearchHint");
  $("lang").textContent = language() === "en" ? "中文" : "English";
  renderChannels();
  nowPlaying();
  if (!$("guide").hidden) renderGuide();
  if (!$("vod").hidden) renderShelves();
  if (!$("zones").hidden) zones.refresh();
}

$("tab-channels").addEventListener("click", () => showTab("channels"));
$("tab-guide").addEventListener("click", () => showTab("guide"));
$("tab-vod").addEventListener("click", () => showTab("vod"));
$("tab-zones").addEventListener("click", () => showTab("zones"));
$("mz-close").addEventListener("click", () => zones.close());
$("vod-query").addEventListener("input", () => searchVod());
$("btn-rewind").addEventListener("click", () => player.seekBy(-30));
$("btn-forward").addEventListener("click", () => player.seekBy(30));
$("btn-live").addEventListener("click", () => player.goLive());
$("btn-startover").addEventListener("click", () => {
  const playing = player.current;
  const channel = channelById(playing?.channel);
  const p = programmeAt(channel, player.position() ?? Date.now());
  if (p) play({ channel: channel.id, mode: "startover", start: p.start, programmeStart: p.start * 1000 });
});

// The video's own controls pause live TV too: resume it behind live, from the paused frame.
// (a pause while a new source replaces the old one comes with readyState 0: not the viewer's)
$("video").addEventListener("pause", () => {
  const video = $("video");
  if (player.mode === "live" && player.pausedLiveAt == null && player.current && video.readyState > 0) {
    player.pausedLiveAt = player.position() ?? Date.now();
  }
  if (player.mode === "vod" && video.readyState > 0) player.saveResume(player.current);
});
$("video").addEventListener("play", () => {
  if (player.mode === "live" && player.pausedLiveAt != null) player.resume();
});
addEventListener("hashchange", () => {
  const code = handoffCode();
  if (code && api.session) continueFromTv(code);
  if (storyLink() && api.session) openStoryLink();
});
setInterval(() => loadChannels().then(renderChannels).catch(() => {}), 60000);

window.yunjin = { player, state, reporter };
refreshLanguage();
if (api.session) start();
else showLogin();
