// The TV portal's zones (融媒体专区): the province's front page → prefecture zones → county
// sections, their stories by type (news, government notices, services), a story readable at
// ten feet, its video full screen, a service's QR code for the phone, a live event's channel.
import { t, pick } from "./i18n.js";
import { clock, dayLabel } from "./time.js";
import {
  GROUPS, GROUP_ORDER, bodyNodes, categoryLabel, eventChannelName, frontPage, kindLabel, liveState,
  placesOf, storiesIn, validity, watchLabel, zonePage, zoneStory,
} from "./zones-shared.js";
import { createWatch } from "./tv-watch.js";

const LIST_PAGE = 5;
const LINE_PX = 42; // one line of a story's body (tv.css keeps every line on this grid)

const clamp = (value, low, high) => Math.max(low, Math.min(high, value));

// ctx: {$, el, api, player, open, back, toast, errorText, tune(channelId, story) → bool,
//       channelName(id)}; tune plays a live event's own temporary channel from its story
export function createZones(ctx) {
  const { $, el, api, player, open, back, toast, errorText, tune, channelName } = ctx;

  function storyLine(story) {
    const d = story.details || {};
    if (story.kind === "notice") return [d.issuing_body, d.document_number].filter(Boolean).join(" · ");
    if (story.kind === "service") return [categoryLabel(d.category), d.phone || d.address].filter(Boolean).join(" · ");
    if (story.kind === "live_event") {
      const when = `${clock(d.starts_at * 1000)}–${clock(d.ends_at * 1000)}`;
      return `${eventChannelName(d, channelName)} · ${when} · ${t(liveState(d))}`;
    }
    const parts = [pick(story.from?.name), dayLabel(story.published_at * 1000)];
    if (story.video_asset) parts.push(`▶ ${t("zoneVideo")}`);
    return parts.filter(Boolean).join(" · ");
  }

  // ---------- a page: the type tabs, the places one level down, the stories ----------

  const page = {
    trail: [], // the pages walked down from the front page: {code, data, row, place, item}
    group: "news",
    pending: 0,
    async show(params) {
      $("zones").hidden = false;
      if (player.current) player.stop();
      if (!params) return this.draw(); // back from a story: as it was
      this.group = GROUPS[params.group] ? params.group : "news";
      this.trail = [];
      $("zones-title").textContent = t("loading");
      for (const id of ["zones-trail", "zones-places-title"]) $(id).textContent = "";
      for (const id of ["zones-tabs", "zones-places", "zones-list"]) $(id).replaceChildren();
      try {
        await this.enter(await frontPage(api));
      } catch (error) {
        toast(errorText(error));
        if (!this.trail.length && !$("zones").hidden) back();
      }
    },
    hide() {
      $("zones").hidden = true;
    },
    get here() {
      return this.trail[this.trail.length - 1];
    },
    async enter(code) {
      const asked = ++this.pending;
      const data = await zonePage(api, code);
      if (asked !== this.pending) return;
      const row = placesOf(data).length ? "places" : "list";
      this.trail.push({ code, data, row, place: 0, item: 0 });
      this.draw();
    },
    items() {
      return storiesIn(this.here.data, this.group);
    },
    // The rows the focus can be on, top to bottom.
    rows() {
      const rows = ["tabs"];
      if (placesOf(this.here.data).length) rows.push("places");
      if (this.items().length) rows.push("list");
      return rows;
    },
    draw() {
      const here = this.here;
      if (!here) return;
      const data = here.data;
      if (!this.rows().includes(here.row)) here.row = this.rows().at(-1);
      $("zones-title").textContent = pick(data.name);
      $("zones-trail").textContent = this.trail.length > 1 ? this.trail.map((p) => pick(p.data.name)).join(" › ") : pick(data.label);
      const tabs = $("zones-tabs");
      tabs.replaceChildren();
      for (const group of GROUP_ORDER) {
        const tab = el("span", "tab", t(GROUPS[group].key));
        tab.dataset.group = group;
        if (group === this.group) tab.classList.add("selected");
        if (group === this.group && here.row === "tabs") tab.classList.add("focused");
        tabs.append(tab);
      }
      const places = placesOf(data);
      $("zones-places-title").textContent = places.length ? t(data.zones ? "zonePrefectures" : "zoneSections") : "";
      const row = $("zones-places");
      row.replaceChildren();
      row.hidden = !places.length;
      here.place = clamp(here.place, 0, places.length - 1);
      places.forEach((place, index) => {
        const tile = el("div", "tile zone");
        const count = (place.stories || []).filter((s) => GROUPS[this.group].kinds.includes(s.kind)).length;
        tile.append(el("span", "name", pick(place.name)), el("span", "sub", t("zoneCount", { n: count })));
        tile.dataset.code = place.code;
        if (here.row === "places" && index === here.place) tile.classList.add("focused");
        row.append(tile);
      });
      const list = $("zones-list");
      list.replaceChildren();
      const items = this.items();
      here.item = clamp(here.item, 0, items.length - 1);
      if (!items.length) list.append(el("li", "empty", t("zoneNothing")));
      items.forEach((story, index) => {
        const item = el("li", "zone-item");
        const badge = el("span", `badge kind-${story.kind}`, kindLabel(story));
        const main = el("div", "main");
        main.append(el("span", "name", story.title), el("span", "sub", storyLine(story)));
        item.append(badge, main);
        if (story.recommended) item.append(el("span", "badge recommended", t("zoneRecommended")));
        item.dataset.story = story.id;
        item.dataset.kind = story.kind;
        if (here.row === "list" && index === here.item) item.classList.add("focused");
        list.append(item);
      });
      list.querySelector(".focused")?.scrollIntoView({ block: "nearest" });
      row.querySelector(".focused")?.scrollIntoView({ inline: "nearest", block: "nearest" });
    },
    switchGroup(step) {
      const index = clamp(GROUP_ORDER.indexOf(this.group) + step, 0, GROUP_ORDER.length - 1);
      this.group = GROUP_ORDER[index];
      for (const visited of this.trail) visited.item = 0;
    },
    key({ action }) {
      const here = this.here;
      if (!here) return action === "back" ? (back(), true) : false;
      const rows = this.rows();
      const places = placesOf(here.data);
      const items = this.items();
      const at = rows.indexOf(here.row);
      switch (action) {
        case "up":
          if (here.row === "list" && here.item > 0) here.item -= 1;
          else here.row = rows[Math.max(0, at - 1)];
          break;
        case "down":
          if (here.row === "list") here.item = Math.min(items.length - 1, here.item + 1);
          else here.row = rows[Math.min(rows.length - 1, at + 1)];
          break;
        case "chup":
        case "chdown":
          if (here.row !== "list") return true;
          here.item = clamp(here.item + (action === "chup" ? -LIST_PAGE : LIST_PAGE), 0, items.length - 1);
          break;
        case "left":
        case "right": {
          const step = action === "left" ? -1 : 1;
          if (here.row === "tabs") this.switchGroup(step);
          else if (here.row === "places") here.place = clamp(here.place + step, 0, places.length - 1);
          break;
        }
        case "ok":
          if (here.row === "places") {
            this.enter(places[here.place].code).catch((error) => toast(errorText(error)));
            return true;
          }
          if (here.row === "list") {
            const chosen = items[here.item];
            open(story, { zone: here.code, id: chosen.id, from: pick(chosen.from?.name) });
            return true;
          }
          here.row = rows[Math.min(rows.length - 1, at + 1)];
          break;
        case "back":
          this.pending++; // a page still loading is no longer wanted
          if (this.trail.length > 1) this.trail.pop();
          else return back(), true;
          break;
        default:
          return false;
      }
      this.draw();
      return true;
    },
  };

  // ---------- a story: paged text, facts by type, the one thing OK does ----------

  const story = {
    zone: null,
    id: null,
    from: "",
    data: null,
    page: 0,
    pages: 1,
    asked: 0,
    async show(params) {
      $("zone-story").hidden = false;
      if (player.current) player.stop();
      if (!params) return this.render();
      Object.assign(this, { zone: params.zone, id: params.id, from: params.from || "", page: 0, data: null });
      $("zs-title").textContent = t("loading");
      for (const id of ["zs-kind", "zs-meta", "zs-page", "zs-keys", "zs-side-note"]) $(id).textContent = "";
      for (const id of ["zs-facts", "zs-body", "zs-qr"]) $(id).replaceChildren();
      $("zs-action").hidden = true;
      const asked = ++this.asked;
      try {
        const data = await zoneStory(api, this.zone, this.id);
        if (asked !== this.asked) return;
        this.data = data;
      } catch (error) {
        if (asked !== this.asked) return;
        toast(errorText(error));
        return back();
      }
      this.render();
    },
    hide() {
      this.asked++;
      $("zone-story").hidden = true;
    },
    // What OK does here: play the video, watch the live channel, or nothing.
    action() {
      const s = this.data;
      if (s.kind === "news" && s.video_asset) return { label: `▶ ${t("zonePlayVideo")}`, run: () => this.playVideo() };
      if (s.kind === "live_event") {
        const d = s.details;
        return { label: watchLabel(d, channelName), run: () => tune(d.channel, s) || toast(t("zoneNoChannel")) };
      }
      return null;
    },
    facts() {
      const s = this.data;
      const d = s.details || {};
      if (s.kind === "notice") {
        return [["zoneIssuingBody", d.issuing_body], ["zoneDocNumber", d.document_number], ["zoneValidity", validity(d)]];
      }
      if (s.kind === "service") {
        return [["zoneCategory", categoryLabel(d.category)], ["zonePhone", d.phone], ["zoneAddress", d.address],
          ["zoneHours", d.opening_hours], ["zoneLink", d.link]];
      }
      if (s.kind === "live_event") {
        const when = `${dayLabel(d.starts_at * 1000)} ${clock(d.starts_at * 1000)}–${clock(d.ends_at * 1000)}`;
        return [["zoneChannel", eventChannelName(d, channelName)], ["zoneWhen", when], ["zoneState", t(liveState(d))]];
      }
      return [];
    },
    render() {
      const s = this.data;
      if (!s) return;
      $("zs-kind").textContent = kindLabel(s);
      $("zs-kind").className = `badge kind-${s.kind}`;
      $("zs-title").textContent = s.title;
      const when = s.published_at ? `${dayLabel(s.published_at * 1000)} ${clock(s.published_at * 1000)}` : "";
      $("zs-meta").textContent = [this.from, when].filter(Boolean).join(" · ");
      const facts = $("zs-facts");
      facts.replaceChildren();
      for (const [key, value] of this.facts()) {
        if (!value) continue;
        facts.append(el("dt", null, t(key)), el("dd", null, value));
      }
      const body = $("zs-body");
      body.replaceChildren();
      if (s.summary) body.append(el("p", "lead", s.summary));
      body.append(bodyNodes(s.body_html, { links: false }));
      const action = this.action();
      $("zs-action").hidden = !action;
      $("zs-action").textContent = action ? action.label : "";
      $("zs-action").classList.toggle("focused", Boolean(action));
      body.classList.toggle("focused", !action); // the focus is always somewhere to see
      const poster = $("zs-poster");
      poster.hidden = !(s.kind === "news" && s.video_asset);
      if (!poster.hidden) {
        poster.onerror = () => (poster.hidden = true); // no poster until the clip is published
        poster.src = `/api/v1/vod/posters/${encodeURIComponent(s.video_asset)}.jpg`;
      }
      const service = s.kind === "service";
      $("zone-story").classList.toggle("with-side", Boolean(action) || service);
      $("zs-side-note").textContent = service ? t("zoneScanService") : "";
      if (service) this.loadQr();
      else $("zs-qr").replaceChildren();
      requestAnimationFrame(() => this.fit());
    },
    async loadQr() {
      const asked = this.asked;
      try {
        const answer = await api.get(`/api/v1/zones/${encodeURIComponent(this.zone)}/stories/${encodeURIComponent(this.id)}/qr`);
        if (asked !== this.asked) return;
        $("zs-qr").innerHTML = answer.svg; // markup made by Yunjin (segno), not by users
        $("zs-qr").dataset.url = answer.url;
      } catch (error) {
        toast(errorText(error));
      }
    },
    // The body's box holds whole lines: no line is ever cut at the bottom of a page.
    fit() {
      const box = $("zs-body");
      box.style.flex = "";
      box.style.height = "";
      const lines = Math.max(1, Math.floor(box.clientHeight / LINE_PX));
      box.style.flex = "none";
      box.style.height = `${lines * LINE_PX}px`;
      this.turn(0);
    },
    // Show page `page + step` of the body (ten-foot text is paged, never scrolled by pixels).
    turn(step) {
      const box = $("zs-body");
      const stride = box.clientHeight;
      this.pages = 1 + Math.ceil(Math.max(0, box.scrollHeight - box.clientHeight) / stride);
      this.page = clamp(this.page + step, 0, this.pages - 1);
      box.scrollTop = this.page * stride;
      $("zs-page").textContent = this.pages > 1 ? t("zonePage", { n: this.page + 1, of: this.pages }) : "";
      const action = this.action();
      const keys = this.pages > 1 ? (action ? "keysStoryPagesAct" : "keysStoryPages") : action ? "keysStoryAct" : "keysStory";
      $("zs-keys").textContent = t(keys);
    },
    async playVideo() {
      try {
        await player.playNews({ zone: this.zone, story: this.id, title: this.data.title });
        open(watch);
      } catch (error) {
        toast(errorText(error));
      }
    },
    key({ action }) {
      if (!this.data) return action === "back" ? (back(), true) : true;
      if (action === "up" || action === "chup") this.turn(-1);
      else if (action === "down" || action === "chdown") this.turn(1);
      else if (action === "ok") this.action()?.run();
      else if (action === "back") back();
      else return ["left", "right"].includes(action);
      return true;
    },
  };

  // ---------- a news video, full screen ----------

  const watch = createWatch(ctx, {
    prefix: "zone-bar",
    mode: "news",
    label: (playing) => ({ title: playing.name || playing.title || "", state: "" }),
  });

  return { page, story, watch, ended: () => watch.key({ action: "back" }) };
}
