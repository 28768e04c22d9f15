// Drives Wix's JavaScript SDK (@wix/sdk + @wix/ecom's orderFulfillments) against a Packdesk
// server: every request the SDK sends to https://www.wixapis.com goes to PACKDESK_URL instead.
//
// stdin: {"calls": [{"method": "createFulfillment", "args": [...]}, ...]}; an argument value
// {"$from": [i, "a.b.0.c"]} is taken from call i's result. stdout: one result per call, a Date
// written as {"$date": iso}, a thrown error as {"error": {...}}.
import { ApiKeyStrategy, createClient } from "@wix/sdk";
import { orderFulfillments } from "@wix/ecom";

const base = new URL(process.env.PACKDESK_URL);
const requests = [];

async function packdeskFetch(input, init) {
  const url = new URL(typeof input === "string" ? input : input.url);
  if (url.host === "www.wixapis.com") {
    url.protocol = base.protocol;
    url.host = base.host;
  }
  requests.push(`${init?.method ?? "GET"} ${url.pathname}`);
  return fetch(url, init);
}

const client = createClient({
  modules: { orderFulfillments },
  auth: ApiKeyStrategy({ apiKey: process.env.PACKDESK_API_KEY, siteId: "packdesk" }),
  fetch: packdeskFetch,
});

function plain(value) {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function resolve(value, results) {
  if (Array.isArray(value)) return value.map((v) => resolve(v, results));
  if (value && typeof value === "object") {
    if ("$from" in value) {
      const [index, path] = value.$from;
      return path.split(".").reduce((obj, key) => obj[key], results[index]);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, results)]));
  }
  return value;
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { calls } = JSON.parse(input);
const results = [];
const output = [];
for (const call of calls) {
  try {
    const result = await client.orderFulfillments[call.method](...resolve(call.args, results));
    results.push(result);
    output.push({ result: plain(result) });
  } catch (error) {
    results.push(null);
    output.push({
      error: {
        isError: error instanceof Error,
        message: String(error.message ?? ""),
        details: plain(error.details ?? null),
        status: error.response?.status ?? error.httpStatus ?? null,
      },
    });
  }
}
process.stdout.write(JSON.stringify({ output, requests }));
