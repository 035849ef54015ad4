//! `zimport attendance` (issue 34, being built): who came to an event, joined to its
//! registrations. [`tally`] joins one instance's participant report to the registrants; the
//! command around it (the CLI, the report reads under `zoom`, the file through
//! [`crate::table`]) comes next.

pub mod tally;
