// Small DOM helpers: element creation, number formatting, error toasts.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

export const fmt = (v, digits = 2) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—");

export function duration(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "—";
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function toast(message) {
  const t = document.getElementById("toast");
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 6000);
}

/** Runs an async action, showing its error as a toast instead of losing it. */
export function guarded(fn) {
  return (...args) => Promise.resolve(fn(...args)).catch((e) => toast(e.message));
}

/** A select of runs (id → label), optionally several. */
export function runSelect(runs, { multiple = false, name = "run" } = {}) {
  return h(
    "select",
    { name, multiple, size: multiple ? Math.min(6, Math.max(2, runs.length)) : undefined },
    runs.map((r) => h("option", { value: r.id, text: `${r.id} (${r.model})` })),
  );
}
