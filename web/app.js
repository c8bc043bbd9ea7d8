// The studio page: a tab per task, each a module in pages/ that mounts into <main> and cleans up when left.
import { h } from "./lib/dom.js";
import * as runs from "./pages/runs.js";
import * as run from "./pages/run.js";
import * as train from "./pages/train.js";
import * as draw from "./pages/draw.js";
import * as complete from "./pages/complete.js";
import * as latent from "./pages/latent.js";
import * as playground from "./pages/playground.js";
import * as compare from "./pages/compare.js";

/** route → page; pages with a `title` appear in the navigation, in this order */
const PAGES = { runs, train, draw, complete, latent, playground, compare, run };

let cleanup = null;

async function show() {
  const [route, ...args] = (location.hash.slice(1) || "runs").split("/").map(decodeURIComponent);
  const page = PAGES[route] ?? runs;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.route === route);
  cleanup?.();
  cleanup = null;
  const root = document.getElementById("page");
  root.replaceChildren();
  root.dataset.page = route;
  try {
    cleanup = (await page.mount(root, ...args)) ?? null;
  } catch (e) {
    root.append(h("p", { class: "error", text: e.message }));
  }
}

document.getElementById("nav").append(
  ...Object.entries(PAGES)
    .filter(([, p]) => p.title)
    .map(([route, p]) => h("a", { href: `#${route}`, "data-route": route, text: p.title })),
);
addEventListener("hashchange", show);
show();
