// Error toasts: an action's failure is shown for a few seconds instead of being lost.
import { useEffect, useState } from "preact/hooks";

let show: (message: string) => void = () => {};

export function toast(message: string): void {
  show(message);
}

/** Runs an async action, showing its error as a toast. */
export function guarded<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => void {
  return (...args) => {
    Promise.resolve()
      .then(() => fn(...args))
      .catch((e: Error) => toast(e.message));
  };
}

export function Toast() {
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    show = (m) => {
      setMessage(m);
      clearTimeout(timer);
      timer = setTimeout(() => setMessage(null), 6000);
    };
    return () => clearTimeout(timer);
  }, []);
  return (
    <div id="toast" role="alert" hidden={message === null}>
      {message}
    </div>
  );
}
