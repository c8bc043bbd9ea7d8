/**
 * Model options, validated at the door. Each model declares its options as a zod object built from the field helpers
 * below; every field carries its default, a description (shown by `deepgen models <name>` and turned into the
 * studio's forms through JSON Schema) and one rule sentence that every failed check of the field reports:
 * `made: option "hidden" must be an array of positive integers, e.g. [500]`.
 *
 * zod is used because it gives typed parsing, defaults and JSON Schema export from one declaration.
 */
import * as z from "zod";

const positiveIntRule = (example: number): string => `must be a positive integer, e.g. ${example}`;

export const field = {
  positiveInt: (def: number, description: string) => {
    const rule = positiveIntRule(def);
    return z.number({ error: rule }).int({ error: rule }).positive({ error: rule }).default(def).describe(description);
  },
  nonNegativeInt: (def: number, description: string, max = Number.MAX_SAFE_INTEGER) => {
    const rule = `must be an integer in [0, ${max}], e.g. ${def}`;
    return z
      .number({ error: rule })
      .int({ error: rule })
      .min(0, { error: rule })
      .max(max, { error: rule })
      .default(def)
      .describe(description);
  },
  positiveInts: (def: number[], description: string) => {
    const rule = `must be an array of positive integers, e.g. ${JSON.stringify(def)}`;
    const item = z.number({ error: rule }).int({ error: rule }).positive({ error: rule });
    return z.array(item, { error: rule }).min(1, { error: rule }).default(def).describe(description);
  },
  positiveNumber: (def: number, description: string) => {
    const rule = `must be a positive number, e.g. ${def}`;
    return z
      .number({ error: rule })
      .positive({ error: rule })
      .finite({ error: rule })
      .default(def)
      .describe(description);
  },
  /** A dropout probability in [0, 0.9], default 0 (off). */
  dropout: (description: string) => {
    const rule = "must be a number in [0, 0.9], e.g. 0.1";
    return z.number({ error: rule }).min(0, { error: rule }).max(0.9, { error: rule }).default(0).describe(description);
  },
  boolean: (def: boolean, description: string) =>
    z.boolean({ error: `must be true or false` }).default(def).describe(description),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, def: T[number], description: string) =>
    z
      .enum(values, { error: `must be one of ${values.map((v) => JSON.stringify(v)).join(", ")}` })
      .default(def as never)
      .describe(description),
};

export type OptionsSchema = z.ZodObject<Record<string, z.ZodDefault<z.ZodType>>>;

/** The options a schema yields. */
export type OptionsOf<S extends OptionsSchema> = z.output<S>;

export class OptionsError extends RangeError {}

/**
 * Parses options for `who` (a model name): unknown keys and every invalid value are reported in one message naming
 * the option and the rule it breaks; missing options take their defaults.
 */
export function parseOptions<S extends OptionsSchema>(who: string, schema: S, raw: unknown): z.output<S> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new OptionsError(`${who}: options must be a JSON object, got ${JSON.stringify(raw)}`);
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new OptionsError(`model "${who}" has no option "${unknown[0]}"; options: ${known.join(", ")}`);
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const issue of r.error.issues) {
    const name = String(issue.path[0] ?? "");
    if (seen.has(name)) continue;
    seen.add(name);
    const got = (raw as Record<string, unknown>)[name];
    lines.push(`option "${name}" ${issue.message} (got ${JSON.stringify(got)})`);
  }
  throw new OptionsError(`${who}: ${lines.join("; ")}`);
}

/** JSON Schema of a model's options (for forms and documentation). */
export function optionsJsonSchema(schema: OptionsSchema): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
}

/** One line per option: name, default, description. */
export function describeOptions(schema: OptionsSchema): Array<{ name: string; default: unknown; description: string }> {
  const defaults = schema.parse({}) as Record<string, unknown>;
  return Object.entries(schema.shape).map(([name, s]) => ({
    name,
    default: defaults[name],
    description: s.description ?? "",
  }));
}
