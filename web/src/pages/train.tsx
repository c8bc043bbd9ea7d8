// Train: pick a model and a dataset, set its options (a form from the options' JSON Schema) and training settings.
import { useState } from "preact/hooks";
import { api, modelCatalog, type ModelInfo, type Recipe } from "../api";
import { Loading, useLoad } from "../lib/load";
import { rawValues, readOptions, SchemaForm, type RawValues } from "../lib/schema-form";
import { guarded } from "../lib/toast";

interface Settings {
  dataset: string;
  epochs: string;
  batchSize: string;
  lr: string;
  seed: string;
  maxSteps: string;
  name: string;
}

const fromRecipe = (s: Settings, r: Recipe): Settings => ({
  ...s,
  dataset: r.dataset,
  epochs: String(r.epochs),
  batchSize: String(r.batchSize),
  lr: String(r.lr),
});

const num = (v: string): number | undefined => (v === "" ? undefined : Number(v));

function TrainForm({ models, datasets }: { models: ModelInfo[]; datasets: { name: string }[] }) {
  const first = models[0]!;
  const [model, setModel] = useState(first);
  const [recipe, setRecipe] = useState(Object.keys(first.recipes)[0] ?? "");
  const blank = { dataset: "", epochs: "", batchSize: "", lr: "", seed: "", maxSteps: "", name: "" };
  const [settings, setSettings] = useState<Settings>(() => fromRecipe(blank, first.recipes[recipe] ?? first.recipe));
  const props = model.optionsSchema.properties ?? {};
  const [options, setOptions] = useState<RawValues>(() => rawValues(props, first.recipe.options ?? {}));
  const pick = (name: string) => {
    const m = models.find((x) => x.name === name)!;
    const r = Object.keys(m.recipes)[0] ?? "";
    setModel(m);
    setRecipe(r);
    setSettings(fromRecipe(settings, m.recipes[r] ?? m.recipe));
    setOptions(rawValues(m.optionsSchema.properties ?? {}, m.recipe.options ?? {}));
  };
  const pickRecipe = (r: string) => {
    setRecipe(r);
    setSettings(fromRecipe(settings, model.recipes[r] ?? model.recipe));
  };
  const set = (key: keyof Settings) => (e: { currentTarget: HTMLInputElement }) =>
    setSettings({ ...settings, [key]: e.currentTarget.value });
  const field = (key: keyof Settings, label: string, step: string) => (
    <label>
      <span>{label}</span>
      <input type="number" name={key} step={step} min={0} value={settings[key]} onInput={set(key)} />
    </label>
  );
  const start = guarded(async () => {
    const s = settings;
    const job = await api.post<{ id: string }>("/train", {
      model: model.name,
      dataset: s.dataset,
      recipe,
      options: readOptions(props, options),
      training: { epochs: num(s.epochs), batchSize: num(s.batchSize), lr: num(s.lr) },
      ...(num(s.seed) !== undefined ? { seed: num(s.seed) } : {}),
      ...(num(s.maxSteps) !== undefined ? { maxSteps: num(s.maxSteps) } : {}),
      ...(s.name ? { name: s.name } : {}),
    });
    location.hash = `#run/${encodeURIComponent(job.id)}`;
  });
  const p = model.published;
  return (
    <>
      <h2>Train a model</h2>
      <form class="options train" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>model</span>
          <select name="model" value={model.name} onChange={(e) => pick(e.currentTarget.value)}>
            {models.map((m) => (
              <option key={m.name} value={m.name}>{`${m.name} — ${m.description}`}</option>
            ))}
          </select>
        </label>
        <label>
          <span>recipe</span>
          <select name="recipe" value={recipe} onChange={(e) => pickRecipe(e.currentTarget.value)}>
            {Object.keys(model.recipes).map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>dataset</span>
          <select
            name="dataset"
            value={settings.dataset}
            onChange={(e) => setSettings({ ...settings, dataset: e.currentTarget.value })}
          >
            {datasets.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        {field("epochs", "epochs", "1")}
        {field("batchSize", "batch size", "1")}
        {field("lr", "learning rate", "any")}
        {field("seed", "seed", "1")}
        {field("maxSteps", "stop after steps", "1")}
        <label>
          <span>run name</span>
          <input type="text" name="name" placeholder="(model and time)" value={settings.name} onInput={set("name")} />
        </label>
      </form>
      <p class="muted">
        {`${model.family}; can: ${model.can.join(", ")}` + (p ? `; published ${p.nll_nats} nats (${p.source})` : "")}
      </p>
      <div>
        <h3>Model options</h3>
        <SchemaForm key={model.name} props={props} raw={options} onChange={setOptions} />
      </div>
      <button class="start" onClick={start}>
        Start training
      </button>
    </>
  );
}

export function TrainPage() {
  const state = useLoad(() => Promise.all([modelCatalog(), api.get<{ name: string }[]>("/datasets")]), []);
  return <Loading state={state}>{([models, datasets]) => <TrainForm models={models} datasets={datasets} />}</Loading>;
}
