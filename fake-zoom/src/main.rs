//! `fake-zoom`: run the fake Zoom server by hand to try a full import without a Zoom account.
//! It prints the environment to give zimport, then serves until Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use fake_zoom::{EventSetup, FakeZoom, Faults, Kind, Limits, Setup};

#[derive(Clone, Copy, ValueEnum)]
enum Plan {
    /// No rate limits (for measuring zimport's own overhead).
    Unlimited,
    Pro,
    Business,
}

/// A fake of Zoom's OAuth and registrant APIs on 127.0.0.1, for trying zimport.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 9900)]
    port: u16,
    /// A scheduled meeting to create (repeatable).
    #[arg(long = "meeting", default_value = "83927864687")]
    meetings: Vec<u64>,
    /// A scheduled webinar to create (repeatable).
    #[arg(long = "webinar")]
    webinars: Vec<u64>,
    /// Rate limits to enforce.
    #[arg(long, value_enum, default_value_t = Plan::Pro)]
    plan: Plan,
    /// Latency added to every API response, in milliseconds.
    #[arg(long, default_value_t = 100)]
    latency_ms: u64,
    /// Up to this much random extra latency, in milliseconds [default: half of --latency-ms].
    #[arg(long)]
    jitter_ms: Option<u64>,
    /// Most registrants per event (Zoom caps meetings at 4,999; webinars have their own limit).
    #[arg(long, default_value_t = 4_999)]
    capacity: usize,
    /// Share of API requests answered with a 5xx (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// On Ctrl-C, write every request to this file, a JSON object a line: method, path,
    /// status, and when it started and ended (milliseconds after the first one started).
    #[arg(long, value_name = "FILE")]
    request_log: Option<std::path::PathBuf>,
    /// People each event lists as approved from the start (`person{i}@example.com`, with a
    /// few fields and a custom answer each), for measuring lists and exports.
    #[arg(long, default_value_t = 0)]
    registrants: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let setup = Setup {
        limits: match args.plan {
            Plan::Unlimited => Limits::unlimited(),
            Plan::Pro => Limits::pro(),
            Plan::Business => Limits::business(),
        },
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            latency_jitter: Duration::from_millis(args.jitter_ms.unwrap_or(args.latency_ms / 2)),
            server_error_rate: args.error_rate,
            ..Faults::default()
        },
        ..Setup::default()
    };
    let (account, client, secret) = (
        setup.account_id.clone(),
        setup.client_id.clone(),
        setup.client_secret.clone(),
    );
    let fake = match FakeZoom::start_on(setup, SocketAddr::from(([127, 0, 0, 1], args.port))) {
        Ok(fake) => fake,
        Err(err) => {
            eprintln!("fake-zoom: cannot listen on 127.0.0.1:{}: {err}", args.port);
            std::process::exit(1);
        }
    };
    for id in &args.meetings {
        fake.add_event(
            Kind::Meeting,
            *id,
            EventSetup {
                capacity: args.capacity,
                ..EventSetup::scheduled_meeting()
            },
        );
    }
    for id in &args.webinars {
        fake.add_event(
            Kind::Webinar,
            *id,
            EventSetup {
                capacity: args.capacity,
                ..EventSetup::scheduled_webinar()
            },
        );
    }
    let events = args
        .meetings
        .iter()
        .map(|id| (Kind::Meeting, *id))
        .chain(args.webinars.iter().map(|id| (Kind::Webinar, *id)));
    for (kind, id) in events {
        for i in 0..args.registrants {
            let fields = serde_json::json!({
                "email": format!("person{i}@example.com"),
                "first_name": format!("First{i}"),
                "last_name": format!("Last{i}"),
                "city": "Lyon",
                "org": "ACME",
                "custom_questions": [{"title": "Diet", "value": "Vegan"}],
            });
            if let serde_json::Value::Object(fields) = fields {
                fake.preregister_person(kind, id, fields, "approved");
            }
        }
    }
    println!("fake Zoom listening on {}", fake.url());
    println!(
        "meetings: {:?}  webinars: {:?}",
        args.meetings, args.webinars
    );
    println!("point zimport at it with:\n");
    println!("  export ZOOM_OAUTH_URL={}", fake.oauth_url());
    println!(
        "  export ZOOM_ACCOUNT_ID={account} ZOOM_CLIENT_ID={client} ZOOM_CLIENT_SECRET={secret}"
    );
    println!("\nCtrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    let stats = fake.stats();
    println!(
        "\nserved: {} tokens, {} single adds, {} batch calls, {} rate-limited (429)",
        stats.tokens_issued,
        stats.single_adds,
        stats.batch_calls,
        stats.qps_limited + stats.daily_limited
    );
    if let Some(path) = &args.request_log {
        if let Err(err) = write_request_log(path, &fake.requests()) {
            eprintln!("fake-zoom: cannot write {}: {err}", path.display());
        }
    }
    // FakeZoom's own runtime runs on its thread; dropping it here shuts it down.
    drop(fake);
}

fn write_request_log(
    path: &std::path::Path,
    requests: &[fake_zoom::LoggedRequest],
) -> std::io::Result<()> {
    use std::io::Write;
    let Some(first) = requests.iter().map(|r| r.started).min() else {
        return std::fs::write(path, "");
    };
    let millis = |at: std::time::Instant| at.duration_since(first).as_secs_f64() * 1000.0;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for request in requests {
        let line = serde_json::json!({
            "method": request.method,
            "path": request.path,
            "status": request.status,
            "started_ms": millis(request.started),
            "ended_ms": millis(request.ended),
        });
        writeln!(out, "{line}")?;
    }
    out.flush()
}
