/**
 * The studio answers only its own address and its own pages: a foreign Host header (DNS rebinding), a foreign Origin
 * on a state-changing request (another site's page) and an oversized body are refused before any route runs.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { tempStudio } from "./helpers.js";

let studio: Awaited<ReturnType<typeof tempStudio>>;
before(async () => {
  studio = await tempStudio();
});
after(async () => {
  await studio?.close();
});

/** A raw request with the headers given, as a browser on another page (or a rebinding DNS name) would send it. */
function raw(
  method: string,
  p: string,
  headers: Record<string, string>,
  body = "",
): Promise<{ status: number; text: string }> {
  const url = new URL(p, studio.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

test("a foreign Host header is refused; the studio's own address and localhost are answered", async () => {
  const port = new URL(studio.url).port;
  const evil = await raw("GET", "/api/runs", { host: `evil.example:${port}` });
  assert.equal(evil.status, 403);
  assert.match(JSON.parse(evil.text).error, /host "evil\.example:\d+" is not this studio's address/);
  assert.equal((await raw("GET", "/api/runs", { host: `127.0.0.1:${port}` })).status, 200);
  assert.equal((await raw("GET", "/api/runs", { host: `localhost:${port}` })).status, 200);
});

test("state-changing requests from another site's page are refused; the studio's own origin passes", async () => {
  const port = new URL(studio.url).port;
  const body = JSON.stringify({ model: "made", options: { hidden: [4] }, training: { epochs: 1 } });
  const headers = { host: `127.0.0.1:${port}`, "content-type": "application/json" };
  const foreign = await raw("POST", "/api/train", { ...headers, origin: "https://evil.example" }, body);
  assert.equal(foreign.status, 403);
  assert.match(
    JSON.parse(foreign.text).error,
    /requests from https:\/\/evil\.example may not change the studio's state/,
  );
  // the same body from the studio's own page reaches the route (which refuses it for its own reason: no dataset given)
  const own = await raw("POST", "/api/score", { ...headers, origin: `http://127.0.0.1:${port}` }, "{}");
  assert.equal(own.status, 400);
});

test("a body over 1 MiB is refused with 413", async () => {
  const port = new URL(studio.url).port;
  const big = JSON.stringify({ runs: ["x"], images: new Array(300_000).fill(0.5) });
  assert.ok(big.length > 1 << 20);
  const r = await raw("POST", "/api/score", { host: `127.0.0.1:${port}`, "content-type": "application/json" }, big);
  assert.equal(r.status, 413);
});
