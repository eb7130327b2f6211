/**
 * The shape of a metric as every part of a node reports it (realtime, routing,
 * cluster DNS, soft state); the node's /metrics endpoint writes them in the
 * Prometheus text format.
 */

/** one value of a metric, with its labels */
export interface MetricSample { labels?: Record<string, string>, value: number }

/** a named metric and its current samples */
export interface Metric { name: string, help: string, type: 'gauge' | 'counter', samples: MetricSample[] }
