// Remote-control keys to actions: W3C key names, PC keyboards, China Telecom / Huawei / ZTE
// set-top boxes (keyCode 257+ range) and HbbTV/OIPF VK_ codes.
const BY_KEY = {
  ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right",
  Up: "up", Down: "down", Left: "left", Right: "right",
  Enter: "ok", Accept: "ok", Select: "ok",
  Backspace: "back", Escape: "back", BrowserBack: "back", GoBack: "back", Exit: "back",
  PageUp: "chup", PageDown: "chdown", ChannelUp: "chup", ChannelDown: "chdown",
  " ": "playpause", MediaPlayPause: "playpause", MediaPlay: "play", MediaPause: "pause",
  MediaStop: "stop", MediaRewind: "rewind", MediaFastForward: "ffwd",
  ColorF0Red: "red", ColorF1Green: "green", ColorF2Yellow: "yellow", ColorF3Blue: "blue",
  F1: "red", F2: "green", F3: "yellow", F4: "blue",
  Home: "home", End: "live", Guide: "green", Info: "info", ContextMenu: "menu", Menu: "menu",
};

const BY_CODE = {
  8: "back", 13: "ok", 27: "back", 33: "chup", 34: "chdown",
  37: "left", 38: "up", 39: "right", 40: "down",
  // China Telecom IPTV set-top boxes
  257: "chup", 258: "chdown", 263: "playpause", 264: "ffwd", 265: "rewind", 270: "stop",
  275: "red", 276: "green", 277: "yellow", 278: "blue", 272: "home", 280: "back", 283: "back",
  // HbbTV / OIPF
  19: "pause", 403: "red", 404: "green", 405: "yellow", 406: "blue", 412: "rewind",
  413: "stop", 415: "play", 417: "ffwd", 427: "chup", 428: "chdown", 457: "info",
  461: "back", 463: "playpause", 10009: "back",
};

// {action, digit} for a keydown, or null for keys the portal leaves alone.
export function actionOf(event) {
  if (/^[0-9]$/.test(event.key)) return { action: "digit", digit: Number(event.key) };
  if (event.keyCode >= 48 && event.keyCode <= 57 && !event.key) {
    return { action: "digit", digit: event.keyCode - 48 };
  }
  const action = BY_KEY[event.key] || BY_CODE[event.keyCode];
  return action ? { action } : null;
}
