// The TV portal's VOD: shelves of posters, search by pinyin initials on an on-screen keyboard,
// a title's page with its episodes and where the household stopped, and full-screen playback.
import { ApiError } from "./api.js";
import { t, pick } from "./i18n.js";
import { duration } from "./time.js";
import { createWatch } from "./tv-watch.js";

const KEYBOARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".split("").concat(["⌫", "␡"]);
const KEYBOARD_COLUMNS = 6;
const VISIBLE_ROWS = 2;

// ctx: {$, el, api, player, open, back, toast, errorText, askPin}
export function createVod(ctx) {
  const { $, el, api, player, open, back, toast, errorText, askPin } = ctx;

  function poster(card) {
    const tile = el("div", "tile poster");
    const image = el("img");
    image.alt = "";
    image.src = card.poster;
    image.onerror = () => image.remove();
    tile.append(image, el("span", "name", pick(card.title)));
    const facts = [card.year, card.uhd ? "4K" : null, card.age_rating ? `${card.age_rating}+` : null];
    tile.append(el("span", "sub", facts.filter(Boolean).join(" · ")));
    tile.dataset.title = card.code;
    return tile;
  }

  async function play(request) {
    try {
      await player.playVod(request);
      open(watch);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "parental_pin_required") {
        askPin(t("enterPin"), async (pin) => {
          player.pin = pin;
          return play(request);
        });
        return false;
      }
      toast(errorText(error));
      return false;
    }
  }

  // ---------- shelves ----------

  const shelves = {
    rows: [],
    row: 0,
    col: 0,
    async show() {
      $("vod").hidden = false;
      player.stop();
      await this.render();
    },
    hide() {
      $("vod").hidden = true;
    },
    async render() {
      const body = $("vod-rows");
      body.replaceChildren(el("div", "empty", t("loading")));
      let found = [];
      let unfinished = [];
      try {
        [found, unfinished] = await Promise.all([
          api.get("/api/v1/vod/shelves").then((a) => a.shelves),
          api.get("/api/v1/vod/continue").then((a) => a.continue),
        ]);
      } catch (error) {
        toast(errorText(error));
      }
      body.replaceChildren();
      const first = { name: t("vodSearchAndContinue"), items: [] };
      const search = el("div", "tile zone");
      search.append(el("span", "name", t("vodSearch")), el("span", "sub", t("vodSearchHint")));
      first.items.push({ tile: search, run: () => open(searchScreen) });
      for (const item of unfinished.slice(0, 4)) {
        const tile = el("div", "tile");
        const at = item.resume.position_s;
        tile.append(el("span", "name", pick(item.name)));
        const where = item.episode ? t("vodEpisodeShort", { s: item.season, e: item.episode }) : "";
        tile.append(el("span", "sub", `${where} ${t("vodResumeAt", { t: duration(at * 1000) })}`));
        const bar = el("div", "bar");
        const fill = el("i");
        fill.style.width = `${item.duration_s ? (100 * at) / item.duration_s : 0}%`;
        bar.append(fill);
        tile.append(bar);
        tile.dataset.title = item.title;
        const request = { title: item.title, season: item.season, episode: item.episode, name: pick(item.name) };
        first.items.push({ tile, run: () => play(request) });
      }
      const rows = [first];
      for (const shelf of found) {
        rows.push({
          name: pick(shelf.name),
          items: shelf.titles.map((card) => ({
            tile: poster(card),
            run: () => open(detail, { code: card.code, poster: card.poster }),
          })),
        });
      }
      if (found.length === 0) rows.push({ name: t("vod"), items: [], empty: t("vodNothing") });
      this.rows = rows;
      this.row = Math.min(this.row, rows.length - 1);
      this.draw();
    },
    draw() {
      const body = $("vod-rows");
      body.replaceChildren();
      const top = Math.max(0, Math.min(this.row, this.rows.length - VISIBLE_ROWS));
      this.rows.slice(top, top + VISIBLE_ROWS + 1).forEach((row) => {
        body.append(el("h3", null, row.name));
        const line = el("div", "row");
        if (row.empty) line.append(el("div", "empty", row.empty));
        for (const item of row.items) line.append(item.tile);
        body.append(line);
      });
      for (const row of this.rows) for (const item of row.items) item.tile.classList.remove("focused");
      const items = this.rows[this.row]?.items || [];
      this.col = Math.max(0, Math.min(this.col, items.length - 1));
      const focused = items[this.col];
      if (focused) {
        focused.tile.classList.add("focused");
        focused.tile.scrollIntoView({ inline: "nearest", block: "nearest" });
      }
    },
    move(step) {
      let row = this.row + step;
      while (row >= 0 && row < this.rows.length && !this.rows[row].items.length) row += step;
      if (row >= 0 && row < this.rows.length) this.row = row;
      this.draw();
    },
    key({ action }) {
      if (action === "up") this.move(-1);
      else if (action === "down") this.move(1);
      else if (action === "left") (this.col -= 1), this.draw();
      else if (action === "right") (this.col += 1), this.draw();
      else if (action === "ok") this.rows[this.row]?.items[this.col]?.run();
      else if (action === "back") back();
      else return false;
      return true;
    },
  };

  // ---------- search: pinyin initials, full pinyin or digits on an on-screen keyboard ----------

  const searchScreen = {
    query: "",
    focus: 0, // a keyboard key, or KEYBOARD.length + i for the i-th result
    results: [],
    pending: 0,
    show() {
      $("vod-search").hidden = false;
      this.draw();
    },
    hide() {
      $("vod-search").hidden = true;
    },
    draw() {
      $("vod-query").textContent = this.query || t("vodSearchHint");
      const keys = $("vod-keys");
      keys.replaceChildren();
      KEYBOARD.forEach((label, index) => {
        const key = el("span", "key", label);
        if (index === this.focus) key.classList.add("focused");
        keys.append(key);
      });
      const list = $("vod-results");
      list.replaceChildren();
      if (this.query && !this.results.length) list.append(el("li", "empty", t("vodNoMatch")));
      this.results.forEach((hit, index) => {
        const item = el("li", "result");
        item.append(el("span", "name", pick(hit.title)), el("span", "sub", hit.year ? String(hit.year) : ""));
        item.dataset.title = hit.code;
        if (KEYBOARD.length + index === this.focus) item.classList.add("focused");
        list.append(item);
      });
    },
    async type(label) {
      if (label === "⌫") this.query = this.query.slice(0, -1);
      else if (label === "␡") this.query = "";
      else if (this.query.length < 20) this.query += label;
      this.draw();
      const asked = ++this.pending;
      if (!this.query) {
        this.results = [];
        return this.draw();
      }
      try {
        const answer = await api.get(`/api/v1/vod/search?q=${encodeURIComponent(this.query)}&limit=8`);
        if (asked === this.pending) this.results = answer.titles;
      } catch (error) {
        if (asked === this.pending) this.results = [];
        if (!(error instanceof ApiError && error.status === 400)) toast(errorText(error));
      }
      if (asked === this.pending) this.draw();
    },
    key({ action, digit }) {
      const onKeys = this.focus < KEYBOARD.length;
      const column = this.focus % KEYBOARD_COLUMNS;
      if (action === "digit") this.type(String(digit));
      else if (action === "back") back();
      else if (action === "ok") {
        if (onKeys) this.type(KEYBOARD[this.focus]);
        else open(detail, { code: this.results[this.focus - KEYBOARD.length].code });
      } else if (onKeys) {
        if (action === "left" && column > 0) this.focus -= 1;
        else if (action === "right" && column < KEYBOARD_COLUMNS - 1 && this.focus + 1 < KEYBOARD.length) this.focus += 1;
        else if (action === "right" && this.results.length) this.focus = KEYBOARD.length;
        else if (action === "up" && this.focus >= KEYBOARD_COLUMNS) this.focus -= KEYBOARD_COLUMNS;
        else if (action === "down" && this.focus + KEYBOARD_COLUMNS < KEYBOARD.length) this.focus += KEYBOARD_COLUMNS;
        else if (!["left", "right", "up", "down"].includes(action)) return false;
      } else {
        const result = this.focus - KEYBOARD.length;
        if (action === "left") this.focus = KEYBOARD_COLUMNS - 1;
        else if (action === "up" && result > 0) this.focus -= 1;
        else if (action === "down" && result + 1 < this.results.length) this.focus += 1;
        else if (!["right", "up", "down"].includes(action)) return false;
      }
      this.draw();
      return true;
    },
  };

  // ---------- a title's page: play, resume, episodes ----------

  const detail = {
    code: null,
    view: null,
    items: [],
    focus: 0,
    async show(params) {
      $("vod-detail").hidden = false;
      if (params?.code) {
        this.code = params.code;
        this.poster = params.poster || null;
        this.focus = 0;
      }
      try {
        this.view = await api.get(`/api/v1/vod/titles/${encodeURIComponent(this.code)}`);
      } catch (error) {
        toast(errorText(error));
        return back();
      }
      this.render();
    },
    hide() {
      $("vod-detail").hidden = true;
    },
    resumeOf(season, episode) {
      return (this.view.resume || []).find(
        (r) => (r.season ?? null) === (season ?? null) && (r.episode ?? null) === (episode ?? null),
      );
    },
    render() {
      const view = this.view;
      $("vod-detail-title").textContent = pick(view.title);
      const facts = [view.year, view.age_rating ? `${view.age_rating}+` : null, (view.cast || []).join(" ")];
      $("vod-detail-facts").textContent = facts.filter(Boolean).join(" · ");
      $("vod-detail-desc").textContent = pick(view.description);
      const image = $("vod-detail-poster");
      const picture = view.poster || this.poster;
      image.hidden = !picture;
      if (picture) image.src = picture;
      const name = pick(view.title);
      this.items = [];
      if (view.kind === "movie") {
        const stopped = this.resumeOf(null, null);
        if (stopped && !stopped.finished) {
          this.items.push({ label: t("vodResumeAt", { t: duration(stopped.position_s * 1000) }), run: () => play({ title: view.code, name }) });
          this.items.push({ label: t("vodFromStart"), run: () => play({ title: view.code, name, at: 0 }) });
        } else this.items.push({ label: t("play"), run: () => play({ title: view.code, name, at: 0 }) });
      } else {
        for (const season of view.seasons || []) {
          for (const episode of season.episodes) {
            const stopped = this.resumeOf(season.number, episode.number);
            const where = stopped && !stopped.finished ? ` · ${t("vodResumeAt", { t: duration(stopped.position_s * 1000) })}` : "";
            this.items.push({
              label: `${t("vodEpisodeShort", { s: season.number, e: episode.number })} ${pick(episode.title)}${where}`,
              run: () => play({ title: view.code, name, season: season.number, episode: episode.number }),
            });
          }
        }
      }
      const list = $("vod-detail-items");
      list.replaceChildren();
      this.focus = Math.min(this.focus, this.items.length - 1);
      this.items.forEach((item, index) => {
        const row = el("li", "setting", item.label);
        if (index === this.focus) row.classList.add("focused");
        list.append(row);
        if (index === this.focus) row.scrollIntoView({ block: "nearest" });
      });
    },
    key({ action }) {
      if (action === "up") this.focus = Math.max(0, this.focus - 1);
      else if (action === "down") this.focus = Math.min(this.items.length - 1, this.focus + 1);
      else if (action === "ok") return this.items[this.focus]?.run(), true;
      else if (action === "back") return back(), true;
      else return false;
      this.render();
      return true;
    },
  };

  // ---------- full screen ----------

  const watch = createWatch(ctx, {
    prefix: "vod-bar",
    mode: "vod",
    label: (playing) => ({
      title: `${playing.name || playing.title} ${playing.episode ? t("vodEpisodeShort", { s: playing.season, e: playing.episode }) : ""}`,
      state: playing.uhd ? "4K" : "",
    }),
  });

  return { shelves, search: searchScreen, detail, watch, ended: () => watch.key({ action: "back" }) };
}
