//! What a receiver records through the [`metrics`](https://docs.rs/metrics) facade
//! (feature `metrics`); without the feature every call is empty. The names and
//! labels are documented in [`receive`](crate::receive#metrics).

use std::borrow::Cow;

/// The labels every series of one route carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) scheme: Cow<'static, str>,
    pub(crate) route: Cow<'static, str>,
}

/// A label value: a `'static` name as it is, an owned one copied.
#[cfg(feature = "metrics")]
#[allow(clippy::ptr_arg, reason = "a borrowed `'static` name is not copied")]
fn shared(text: &Cow<'static, str>) -> metrics::SharedString {
    match text {
        Cow::Borrowed(text) => metrics::SharedString::const_str(text),
        Cow::Owned(text) => metrics::SharedString::from(text.clone()),
    }
}

/// One request answered: `outcome` (and the refusal's `reason`).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn request(route: &Route, outcome: &'static str, reason: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "webhook_gate_requests_total",
        "scheme" => shared(&route.scheme),
        "route" => shared(&route.route),
        "outcome" => outcome,
        "reason" => reason,
    )
    .increment(1);
}

/// The time from the start of the body to the verdict on the signature.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn verification(route: &Route, seconds: f64) {
    #[cfg(feature = "metrics")]
    metrics::histogram!(
        "webhook_gate_verification_seconds",
        "scheme" => shared(&route.scheme),
        "route" => shared(&route.route),
    )
    .record(seconds);
}

/// The time the handler took, by its `outcome`.
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn handler(route: &Route, outcome: &'static str, seconds: f64) {
    #[cfg(feature = "metrics")]
    metrics::histogram!(
        "webhook_gate_handler_seconds",
        "scheme" => shared(&route.scheme),
        "route" => shared(&route.route),
        "outcome" => outcome,
    )
    .record(seconds);
}

/// A store operation that failed after the claim (`complete`, `release`, `renew`).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn store_error(route: &Route, operation: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "webhook_gate_store_errors_total",
        "scheme" => shared(&route.scheme),
        "route" => shared(&route.route),
        "operation" => operation,
    )
    .increment(1);
}

/// When something started, for a histogram (nothing without the feature).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started {
    #[cfg(feature = "metrics")]
    at: std::time::Instant,
}

impl Started {
    pub(crate) fn now() -> Self {
        Self {
            #[cfg(feature = "metrics")]
            at: std::time::Instant::now(),
        }
    }

    /// Seconds since [`now`](Self::now) (0 without the feature).
    #[cfg_attr(not(feature = "metrics"), allow(clippy::unused_self))]
    pub(crate) fn seconds(self) -> f64 {
        #[cfg(feature = "metrics")]
        return self.at.elapsed().as_secs_f64();
        #[cfg(not(feature = "metrics"))]
        0.0
    }
}
