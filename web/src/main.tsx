// The studio page: a tab per task, chosen by the address's #hash; each page is a component that fetches what it needs.
import type { ComponentType } from "preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Toast } from "./lib/toast";
import { ComparePage } from "./pages/compare";
import { CompletePage } from "./pages/complete";
import { DrawPage } from "./pages/draw";
import { LatentPage } from "./pages/latent";
import { PlaygroundPage } from "./pages/playground";
import { RunPage } from "./pages/run";
import { RunsPage } from "./pages/runs";
import { TrainPage } from "./pages/train";
import "./style.css";

interface Page {
  /** the tab's label; pages without one (a run) are reached by links */
  title?: string;
  /** the page, given the route's further #path parts */
  component: ComponentType<{ args: string[] }>;
}

/** route → page, in the navigation's order */
const PAGES: Record<string, Page> = {
  runs: { title: "Runs", component: RunsPage },
  train: { title: "Train", component: TrainPage },
  draw: { title: "Draw & score", component: DrawPage },
  complete: { title: "Complete", component: CompletePage },
  latent: { title: "Latent space", component: LatentPage },
  playground: { title: "2-D playground", component: PlaygroundPage },
  compare: { title: "Compare", component: ComparePage },
  run: { component: ({ args }) => <RunPage id={args[0] ?? ""} /> },
};

const parseHash = (): string[] => (location.hash.slice(1) || "runs").split("/").map(decodeURIComponent);

function App() {
  const [[route = "runs", ...args], setPath] = useState(parseHash);
  useEffect(() => {
    const onHash = () => setPath(parseHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const page = PAGES[route] ?? PAGES.runs!;
  const Component = page.component;
  return (
    <>
      <header>
        <strong>deepgen studio</strong>
        <nav id="nav">
          {Object.entries(PAGES)
            .filter(([, p]) => p.title)
            .map(([r, p]) => (
              <a key={r} href={`#${r}`} data-route={r} class={r === route ? "active" : undefined}>
                {p.title}
              </a>
            ))}
        </nav>
      </header>
      {/* keyed by the whole path: a new route mounts its page afresh, and leaving one cleans it up */}
      <main id="page" data-page={route} key={[route, ...args].join("/")}>
        <Component args={args} />
      </main>
      <Toast />
    </>
  );
}

render(<App />, document.getElementById("app")!);
// the browser tests wait for this attribute, and bench/studio.ts reads the mark (ms since navigation start)
document.documentElement.dataset.ready = "true";
performance.mark("studio:ready");
