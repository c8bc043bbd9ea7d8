// Train: pick a model and a dataset, set its options (a form from the options' JSON Schema) and training settings.
import { api, modelCatalog } from "../api.js";
import { guarded, h } from "../lib/dom.js";
import { schemaForm } from "../lib/schema-form.js";

export const title = "Train";

export async function mount(root) {
  const [models, datasets] = await Promise.all([modelCatalog(), api.get("/datasets")]);
  const modelSel = h(
    "select",
    { name: "model" },
    models.map((m) => h("option", { value: m.name, text: `${m.name} — ${m.description}` })),
  );
  const dataSel = h(
    "select",
    { name: "dataset" },
    datasets.map((d) => h("option", { value: d.name, text: d.name })),
  );
  const recipeSel = h("select", { name: "recipe" });
  const about = h("p", { class: "muted" });
  const optionsBox = h("div");
  const num = (name, step) => h("input", { type: "number", name, step, min: 0 });
  const settings = {
    epochs: num("epochs", 1),
    batchSize: num("batchSize", 1),
    lr: num("lr", "any"),
    seed: num("seed", 1),
    maxSteps: num("maxSteps", 1),
  };
  const name = h("input", { type: "text", name: "name", placeholder: "(model and time)" });
  let form = null;
  const pick = () => {
    const m = models.find((x) => x.name === modelSel.value);
    about.textContent =
      `${m.family}; can: ${m.can.join(", ")}` +
      (m.published ? `; published ${m.published.nll_nats} nats (${m.published.source})` : "");
    recipeSel.replaceChildren(...Object.keys(m.recipes).map((r) => h("option", { value: r, text: r })));
    fillRecipe(m);
    form = schemaForm(m.optionsSchema, m.recipe.options ?? {});
    optionsBox.replaceChildren(h("h3", { text: "Model options" }), form.form);
  };
  const fillRecipe = (m) => {
    const r = m.recipes[recipeSel.value] ?? m.recipe;
    settings.epochs.value = r.epochs;
    settings.batchSize.value = r.batchSize;
    settings.lr.value = r.lr;
    dataSel.value = r.dataset;
  };
  modelSel.addEventListener("change", pick);
  recipeSel.addEventListener("change", () => fillRecipe(models.find((x) => x.name === modelSel.value)));
  const start = guarded(async () => {
    const v = (el) => (el.value === "" ? undefined : Number(el.value));
    const job = await api.post("/train", {
      model: modelSel.value,
      dataset: dataSel.value,
      recipe: recipeSel.value,
      options: form.read(),
      training: { epochs: v(settings.epochs), batchSize: v(settings.batchSize), lr: v(settings.lr) },
      ...(v(settings.seed) !== undefined ? { seed: v(settings.seed) } : {}),
      ...(v(settings.maxSteps) !== undefined ? { maxSteps: v(settings.maxSteps) } : {}),
      ...(name.value ? { name: name.value } : {}),
    });
    location.hash = `#run/${encodeURIComponent(job.id)}`;
  });
  const row = (label, el) => h("label", {}, h("span", { text: label }), el);
  root.append(
    h("h2", { text: "Train a model" }),
    h(
      "form",
      { class: "options train", onsubmit: (e) => e.preventDefault() },
      row("model", modelSel),
      row("recipe", recipeSel),
      row("dataset", dataSel),
      row("epochs", settings.epochs),
      row("batch size", settings.batchSize),
      row("learning rate", settings.lr),
      row("seed", settings.seed),
      row("stop after steps", settings.maxSteps),
      row("run name", name),
    ),
    about,
    optionsBox,
    h("button", { class: "start", text: "Start training", onclick: start }),
  );
  pick();
}
