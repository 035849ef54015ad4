//! One integration-test binary (one link step): the process boundary of `zimport` and the
//! properties of its input handling.

mod attendance;
mod bounds;
mod cli;
mod console;
mod dry_run;
mod escaping;
mod export;
mod failures;
mod hostile;
mod import;
mod json;
mod layers;
mod malformed;
mod preflight;
mod properties;
mod real_world;
mod rerun;
mod results_format;
mod status;
mod support;
mod trust;
mod zoom_rules;
