// Full-screen playback of something with a beginning and an end — a film, an episode, a
// story's video: OK pauses and resumes, ←/→ seek 10 s, ⏪/⏩ skip a minute, the bar shows the
// position for a few seconds after each key (and stays while paused), Back stops.
import { t } from "./i18n.js";
import { duration } from "./time.js";

const SEEK_S = 10;
const SKIP_S = 60;
const BAR_MS = 5000;

// ctx: {$, player, back}; prefix: the bar's element ids ("vod-bar" → vod-bar-title, -state,
// -time, -fill); mode: the player mode this screen shows; label(playing) → {title, state}.
export function createWatch({ $, player, back }, { prefix, mode, label }) {
  const bar = {
    timer: null,
    show(ms = BAR_MS) {
      $(prefix).hidden = false;
      this.refresh();
      clearTimeout(this.timer);
      if (ms) this.timer = setTimeout(() => this.hide(), ms);
    },
    hide() {
      if (player.paused) return;
      $(prefix).hidden = true;
    },
    refresh() {
      const playing = player.current;
      if (!playing || playing.mode !== mode || $(prefix).hidden) return;
      const at = player.mediaPosition() ?? 0;
      const total = playing.duration || 0;
      const { title, state } = label(playing);
      $(`${prefix}-title`).textContent = title;
      $(`${prefix}-state`).textContent = player.paused ? t("paused") : state;
      $(`${prefix}-time`).textContent = `${duration(at * 1000)} / ${duration(total * 1000)}`;
      $(`${prefix}-fill`).style.width = `${total ? Math.min(100, (100 * at) / total) : 0}%`;
    },
  };
  setInterval(() => bar.refresh(), 1000);

  return {
    show() {
      bar.show();
    },
    hide() {
      clearTimeout(bar.timer);
      $(prefix).hidden = true;
    },
    key({ action }) {
      switch (action) {
        case "ok":
        case "playpause":
        case "play":
        case "pause":
          if (action === "pause" && player.paused) break;
          if (action === "play" && !player.paused) break;
          player.togglePause().then(() => bar.show(player.paused ? 0 : BAR_MS));
          break;
        case "left":
        case "right":
        case "rewind":
        case "ffwd": {
          const sign = action === "left" || action === "rewind" ? -1 : 1;
          player.seekBy(sign * (action === "left" || action === "right" ? SEEK_S : SKIP_S));
          bar.show();
          break;
        }
        case "info":
        case "up":
        case "down":
          bar.show();
          break;
        case "back":
        case "stop":
          // the page below may show where we stopped (VOD resume): let the position land first
          player.stop().finally(() => back());
          break;
        default:
          return false;
      }
      return true;
    },
  };
}
