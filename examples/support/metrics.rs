//! `GET /metrics` of the example receivers: the Prometheus text format of what
//! webhook-gate records (feature `metrics`: requests by outcome, verification and
//! handler time, store errors), through `metrics-exporter-prometheus`.

#![allow(dead_code, reason = "each example uses a part")]

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The process's Prometheus recorder, installed on first use as the global
/// `metrics` recorder (if another was installed first, it renders nothing).
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already: /metrics stays empty");
        }
        handle
    })
}

/// The body of `GET /metrics`.
pub fn render() -> String {
    prometheus().render()
}
