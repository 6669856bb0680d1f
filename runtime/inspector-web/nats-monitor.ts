/**
 * Reads the NATS server's HTTP monitoring endpoints for the page: `/varz` (the server), `/connz`
 * (connections) and `/jsz` (JetStream accounts, streams and consumers). Only these three, with
 * fixed query strings, on the configured monitoring URL: the page cannot make the inspector fetch
 * anything else. A slow or absent endpoint becomes an UpstreamUnavailable error, never a hang.
 */
import { HttpError, HttpErrorCode } from './errors.js';

/** The endpoints the page may read, with the query each is sent with. */
export const MONITOR_ENDPOINTS = {
  varz: '/varz',
  connz: '/connz?subs=false&limit=1024&sort=cid',
  jsz: '/jsz?accounts=true&streams=true&consumers=true&config=true',
} as const;
export type MonitorEndpoint = keyof typeof MONITOR_ENDPOINTS;

export function isMonitorEndpoint(name: string): name is MonitorEndpoint {
  return Object.prototype.hasOwnProperty.call(MONITOR_ENDPOINTS, name);
}

/** Fetches one endpoint and returns its JSON. */
export async function readMonitor(baseUrl: string, name: MonitorEndpoint, timeoutMs = 3000): Promise<unknown> {
  const url = baseUrl.replace(/\/+$/, '') + MONITOR_ENDPOINTS[name];
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new HttpError(502, HttpErrorCode.UpstreamUnavailable, `NATS monitoring at ${baseUrl} did not answer: ${(err as Error).message}`, { endpoint: name });
  }
  if (!res.ok) throw new HttpError(502, HttpErrorCode.UpstreamUnavailable, `NATS monitoring ${name} answered HTTP ${res.status}`, { endpoint: name, status: res.status });
  const text = await res.text();
  if (text.length > 16 * 1024 * 1024) throw new HttpError(502, HttpErrorCode.UpstreamUnavailable, `NATS monitoring ${name} answered more than 16 MiB`, { endpoint: name });
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(502, HttpErrorCode.UpstreamUnavailable, `NATS monitoring ${name} did not answer JSON`, { endpoint: name });
  }
}
