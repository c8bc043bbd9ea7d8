// A select of runs (id and model), one or several.
import type { RunSummary } from "../api";

export function RunSelect({
  runs,
  value,
  onChange,
  multiple = false,
}: {
  runs: RunSummary[];
  value: string[];
  onChange: (ids: string[]) => void;
  multiple?: boolean;
}) {
  return (
    <select
      name="run"
      multiple={multiple}
      size={multiple ? Math.min(6, Math.max(2, runs.length)) : undefined}
      onChange={(e) => onChange([...e.currentTarget.selectedOptions].map((o) => o.value))}
    >
      {runs.map((r) => (
        <option key={r.id} value={r.id} selected={value.includes(r.id)}>
          {`${r.id} (${r.model})`}
        </option>
      ))}
    </select>
  );
}
