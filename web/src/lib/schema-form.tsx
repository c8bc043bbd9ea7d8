// A form generated from a JSON Schema object (a model's options): one input per property, typed by the schema.
import type { OptionSchema } from "../api";

/** What the inputs hold: text for numbers and lists (as typed), booleans for checkboxes. */
export type RawValues = Record<string, string | boolean>;

type Props = Record<string, OptionSchema>;

/** The inputs' starting text from option values (a recipe's, else each default). */
export function rawValues(props: Props, values: Record<string, unknown>): RawValues {
  const out: RawValues = {};
  for (const [name, s] of Object.entries(props)) {
    const v = values[name] ?? s.default;
    if (s.type === "boolean") out[name] = v === true;
    else if (s.type === "array") out[name] = Array.isArray(v) ? v.join(", ") : "";
    else out[name] = v === undefined ? "" : String(v);
  }
  return out;
}

/** Every option's value from the inputs (they override the recipe's); an empty number means the default. */
export function readOptions(props: Props, raw: RawValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(props)) {
    const r = raw[name];
    if (s.type === "boolean") out[name] = r === true;
    else if (typeof r !== "string") continue;
    else if (s.type === "array")
      out[name] = r
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number);
    else if (s.enum) out[name] = r;
    else if (r !== "") out[name] = Number(r);
  }
  return out;
}

function Input({
  name,
  s,
  value,
  set,
}: {
  name: string;
  s: OptionSchema;
  value: string | boolean | undefined;
  set: (v: string | boolean) => void;
}) {
  if (s.enum)
    return (
      <select name={name} value={String(value)} onChange={(e) => set(e.currentTarget.value)}>
        {s.enum.map((v) => (
          <option key={v} value={String(v)}>
            {String(v)}
          </option>
        ))}
      </select>
    );
  if (s.type === "boolean")
    return (
      <input type="checkbox" name={name} checked={value === true} onChange={(e) => set(e.currentTarget.checked)} />
    );
  if (s.type === "array")
    return (
      <input
        type="text"
        name={name}
        data-kind="list"
        value={String(value ?? "")}
        onInput={(e) => set(e.currentTarget.value)}
      />
    );
  const min =
    s.minimum ?? (s.exclusiveMinimum !== undefined && s.type === "integer" ? s.exclusiveMinimum + 1 : undefined);
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
  return (
    <input
      type="number"
      name={name}
      step={s.type === "integer" ? 1 : "any"}
      min={min}
      max={max}
      value={String(value ?? "")}
      onInput={(e) => set(e.currentTarget.value)}
    />
  );
}

export function SchemaForm({
  props,
  raw,
  onChange,
}: {
  props: Props;
  raw: RawValues;
  onChange: (r: RawValues) => void;
}) {
  return (
    <form class="options" onSubmit={(e) => e.preventDefault()}>
      {Object.entries(props).map(([name, s]) => (
        <label key={name}>
          <span>{name}</span>
          <Input name={name} s={s} value={raw[name]} set={(v) => onChange({ ...raw, [name]: v })} />
          <small>{s.description ?? ""}</small>
        </label>
      ))}
    </form>
  );
}
