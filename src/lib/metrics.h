/*
 * metrics.h: counters, gauges and histograms, rendered as Prometheus
 * text at /metrics. Loop thread only.
 *
 * A series is a metric name plus a label string such as
 * 'source="demo"'. The number of series is bounded (METRICS_MAX_SERIES);
 * past it new series are dropped, counted in keluh_bound_hits_total
 * {bound="metric_series"} and logged once. That counter exists from
 * metrics_init on, and keluh_bound_hits_total has METRICS_MAX_BOUND_SERIES
 * slots of its own, so bound hits show even when the table is full.
 * Labels whose values come from outside (a mention's source) must be
 * bounded by their caller.
 */
#ifndef KELUH_METRICS_H
#define KELUH_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define METRICS_MAX_SERIES 4096
#define METRICS_MAX_BOUND_SERIES 64

void metrics_init(void);
void metrics_free(void);

/* name must be one of the names documented in metrics.c (they carry help text). */
void metrics_add(const char *name, const char *labels, double v);
void metrics_set(const char *name, const char *labels, double v);
/*
 * metrics_add for the per-mention counters: the series is looked up once
 * and remembered in *ref (owned by the caller, zeroed at first; it is
 * looked up again after metrics_free). name and labels must be the same
 * on every call with the same ref.
 */
struct metrics_ref {
	unsigned gen;
	uint32_t idx;
};
void metrics_add_ref(struct metrics_ref *, const char *name, const char *labels, double v);
/*
 * v as the inside of a label value ('source="<here>"'): backslash, double
 * quote and newline escaped as the Prometheus text format wants, cut to
 * fit n bytes (NUL included) without splitting an escape. For values that
 * come from outside, such as a mention's source.
 */
void metrics_label_value(char *dst, size_t n, const char *v);
/*
 * Observes v into histogram name's series labels; each histogram has its
 * buckets in metrics.c. A histogram series counts like any other against
 * METRICS_MAX_SERIES.
 */
void metrics_observe(const char *name, const char *labels, double v);
/* Observes seconds into the delivery latency histogram of a receiver. */
void metrics_observe_latency(const char *receiver, double seconds);
/* A bound was hit: counts it and logs the first time and then every 1000th. */
void metrics_bound_hit(const char *bound, const char *what);

double metrics_get(const char *name, const char *labels);
void metrics_render(struct buf *);

#endif
