//! Zoom's published rate limits per plan (zoom-api.md §5), as request ceilings per rate
//! category, and what they imply for a run: how many calls of each kind, and how long.
//!
//! Single adds are in Zoom's *Light* category; batch registration (up to 30 people a call) is
//! *Heavy*. The two categories have separate per-second ceilings, so a run that uses both is
//! as long as the slower of the two streams.

use std::num::NonZeroU32;

use serde::Serialize;

/// Most people Zoom's batch endpoint takes in one call.
pub const BATCH_SIZE: u64 = 30;

/// The account's Zoom plan, which sets its rate ceilings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    Free,
    Pro,
    /// Business, Education, Enterprise and Partner accounts share these limits.
    Business,
}

/// Which registration endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Batch for rows with only email and names on events that allow it; single adds for the
    /// rest, and for everything if Zoom says batch does not fit the event.
    Auto,
    /// One request per person (Light category).
    Single,
    /// Batch for every row it can carry; rows with other fields still go singly. Unlike
    /// `auto`, an event that refuses batch is an error rather than a silent fallback.
    Batch,
}

/// Request ceilings for one run: per second per category, and per day where the plan has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimits {
    pub light_per_second: u32,
    /// Listing registrants (read-only checks before a run).
    pub medium_per_second: u32,
    pub heavy_per_second: u32,
    pub light_per_day: Option<u32>,
    pub heavy_per_day: Option<u32>,
}

impl RateLimits {
    /// The plan's published ceilings, lowered to `max_rps` per category if that is given
    /// (for accounts whose limit is shared with other integrations).
    pub fn for_plan(plan: Plan, max_rps: Option<NonZeroU32>) -> RateLimits {
        let limits = match plan {
            Plan::Free => RateLimits {
                light_per_second: 4,
                medium_per_second: 2,
                heavy_per_second: 1,
                light_per_day: Some(6_000),
                heavy_per_day: Some(1_000),
            },
            Plan::Pro => RateLimits {
                light_per_second: 30,
                medium_per_second: 20,
                heavy_per_second: 10,
                light_per_day: None,
                heavy_per_day: Some(30_000),
            },
            Plan::Business => RateLimits {
                light_per_second: 80,
                medium_per_second: 60,
                heavy_per_second: 40,
                light_per_day: None,
                heavy_per_day: Some(60_000),
            },
        };
        match max_rps {
            None => limits,
            Some(max) => RateLimits {
                light_per_second: limits.light_per_second.min(max.get()),
                medium_per_second: limits.medium_per_second.min(max.get()),
                heavy_per_second: limits.heavy_per_second.min(max.get()),
                ..limits
            },
        }
    }

    /// The per-second ceiling of `category`.
    pub fn per_second(&self, category: crate::model::Category) -> u32 {
        match category {
            crate::model::Category::Light => self.light_per_second,
            crate::model::Category::Medium => self.medium_per_second,
            crate::model::Category::Heavy => self.heavy_per_second,
        }
    }
}

impl Plan {
    /// The plan below this one whose per-second ceilings are what `held` found Zoom to allow
    /// (for each category, the fastest pace that went without refusals): each within the
    /// fifth below its ceiling that the pacer's steps of a twentieth leave. The account is
    /// likely on that plan, whatever `--plan` said.
    pub fn below_matching(self, held: &[(crate::model::Category, u32)]) -> Option<Plan> {
        let below: &[Plan] = match self {
            Plan::Business => &[Plan::Pro, Plan::Free],
            Plan::Pro => &[Plan::Free],
            Plan::Free => &[],
        };
        below.iter().copied().find(|&plan| {
            let limits = RateLimits::for_plan(plan, None);
            !held.is_empty()
                && held.iter().all(|&(category, pace)| {
                    let ceiling = limits.per_second(category);
                    pace <= ceiling && pace * 5 >= ceiling * 4
                })
        })
    }
}

/// What a real run of the valid rows would cost, at the ceilings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub batch_calls: u64,
    pub single_calls: u64,
    /// Status changes (`zimport approve|deny|cancel`): 30 people a call, Medium.
    pub status_calls: u64,
    /// Seconds at the per-second ceilings, ignoring latency and retries.
    pub seconds: f64,
    /// Runs (days) needed when a daily quota is smaller than the calls; 1 otherwise.
    pub days: u64,
    /// Zoom was asked whether batch registration fits the event (so the estimate knows).
    pub batch_checked: bool,
}

impl Estimate {
    /// `fits_batch` rows carry only email and names; `others` need single adds.
    pub fn new(mode: Mode, limits: RateLimits, fits_batch: u64, others: u64) -> Estimate {
        let (batched, single) = match mode {
            Mode::Single => (0, fits_batch + others),
            Mode::Auto | Mode::Batch => (fits_batch, others),
        };
        let batch_calls = batched.div_ceil(BATCH_SIZE);
        let single_calls = single;
        let seconds = f64::max(
            batch_calls as f64 / f64::from(limits.heavy_per_second.max(1)),
            single_calls as f64 / f64::from(limits.light_per_second.max(1)),
        );
        let days_for = |calls: u64, per_day: Option<u32>| match per_day {
            Some(quota) if quota > 0 => calls.div_ceil(u64::from(quota)).max(1),
            _ => 1,
        };
        let days = days_for(batch_calls, limits.heavy_per_day)
            .max(days_for(single_calls, limits.light_per_day));
        Estimate {
            batch_calls,
            single_calls,
            status_calls: 0,
            seconds,
            days,
            batch_checked: false,
        }
    }

    /// What changing the status of `rows` people costs.
    pub fn status_changes(limits: RateLimits, rows: u64) -> Estimate {
        let status_calls = rows.div_ceil(BATCH_SIZE);
        Estimate {
            batch_calls: 0,
            single_calls: 0,
            status_calls,
            seconds: status_calls as f64 / f64::from(limits.medium_per_second.max(1)),
            days: 1,
            batch_checked: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_rps_lowers_each_category_but_never_raises_it() {
        let limits = RateLimits::for_plan(Plan::Pro, NonZeroU32::new(15));
        assert_eq!((limits.light_per_second, limits.heavy_per_second), (15, 10));
        let limits = RateLimits::for_plan(Plan::Free, NonZeroU32::new(100));
        assert_eq!((limits.light_per_second, limits.heavy_per_second), (4, 1));
    }

    #[test]
    fn auto_mode_batches_plain_rows_and_sends_the_rest_singly() {
        let limits = RateLimits::for_plan(Plan::Pro, None);
        let estimate = Estimate::new(Mode::Auto, limits, 3_000, 60);
        assert_eq!((estimate.batch_calls, estimate.single_calls), (100, 60));
        // 100 Heavy calls at 10/s take 10 s; 60 Light calls at 30/s run alongside in 2 s.
        assert!((estimate.seconds - 10.0).abs() < 1e-9);
        assert_eq!(estimate.days, 1);
    }

    #[test]
    fn single_mode_sends_everyone_singly() {
        let limits = RateLimits::for_plan(Plan::Business, None);
        let estimate = Estimate::new(Mode::Single, limits, 800, 0);
        assert_eq!((estimate.batch_calls, estimate.single_calls), (0, 800));
        assert!((estimate.seconds - 10.0).abs() < 1e-9);
    }

    #[test]
    fn free_plan_daily_quota_spreads_a_large_import_over_days() {
        let limits = RateLimits::for_plan(Plan::Free, None);
        let estimate = Estimate::new(Mode::Single, limits, 0, 13_000);
        assert_eq!(estimate.days, 3);
    }
}
