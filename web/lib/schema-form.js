// A form generated from a JSON Schema object (a model's options): one input per property, typed by the schema.
import { h } from "./dom.js";

function inputFor(name, s, value) {
  if (s.enum)
    return h(
      "select",
      { name },
      s.enum.map((v) => h("option", { value: v, text: v, selected: v === value })),
    );
  if (s.type === "boolean") return h("input", { type: "checkbox", name, checked: value === true });
  if (s.type === "array")
    return h("input", { type: "text", name, value: (value ?? []).join(", "), "data-kind": "list" });
  const attrs = { type: "number", name, value: value ?? "", step: s.type === "integer" ? 1 : "any" };
  if (s.minimum !== undefined) attrs.min = s.minimum;
  if (s.exclusiveMinimum !== undefined && s.type === "integer") attrs.min = s.exclusiveMinimum + 1;
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) attrs.max = s.maximum;
  return h("input", attrs);
}

/** The form and `read()`, which returns every option's value (they override the recipe's). */
export function schemaForm(schema, values = {}) {
  const props = Object.entries(schema.properties ?? {});
  const form = h(
    "form",
    { class: "options", onsubmit: (e) => e.preventDefault() },
    props.map(([name, s]) =>
      h(
        "label",
        {},
        h("span", { text: name }),
        inputFor(name, s, values[name] ?? s.default),
        h("small", { text: s.description ?? "" }),
      ),
    ),
  );
  const read = () => {
    const out = {};
    for (const [name, s] of props) {
      const el = form.elements.namedItem(name);
      let v;
      if (s.type === "boolean") v = el.checked;
      else if (s.type === "array")
        v = el.value
          .split(/[\s,]+/)
          .filter(Boolean)
          .map(Number);
      else if (s.enum) v = el.value;
      else v = el.value === "" ? undefined : Number(el.value);
      if (v !== undefined) out[name] = v;
    }
    return out;
  };
  return { form, read };
}
