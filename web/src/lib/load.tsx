// Data a page needs before it can show anything: loading, then the page, or the error in its place.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

type Loaded<T> = { value: T } | { error: string } | null;

/** `load` runs once per change of `deps`; the result is `null` while loading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>(null);
  useEffect(() => {
    let live = true;
    setState(null);
    load().then(
      (value) => live && setState({ value }),
      (e: Error) => live && setState({ error: e.message }),
    );
    return () => {
      live = false;
    };
    // the caller names what the load depends on
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}

/** Renders `children(value)` once loaded, the error as a paragraph if the load failed. */
export function Loading<T>({ state, children }: { state: Loaded<T>; children: (v: T) => ComponentChildren }) {
  if (state === null) return <p class="muted">loading…</p>;
  if ("error" in state) return <p class="error">{state.error}</p>;
  return <>{children(state.value)}</>;
}
