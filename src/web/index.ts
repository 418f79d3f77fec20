/** `flink web`: Flink's REST API over flink.db, Prometheus `/metrics`, and the dashboard. */
export { startWebServer, isLoopback, type WebServer, type WebServerOptions } from './server.js';
export { loadOrCreateToken } from './token.js';
export { guardRequest, type GuardSettings, type RequestFacts, type GuardDecision } from './request-guard.js';
export { prometheusText, type ScrapedJob } from './prometheus.js';
