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
    /// Each event took place once, yesterday 15:00-16:00 UTC: two in three of the
    /// `--registrants` came (every seventh rejoined later, some only waited in the waiting
    /// room), and a guest; for trying `zimport attendance`.
    #[arg(long)]
    held: bool,
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
    let mut setup = setup;
    // Reports, for `zimport attendance`.
    setup.scopes.push("report:read:admin".to_string());
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
        let mut ids = Vec::new();
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
                ids.push(fake.preregister_person(kind, id, fields, "approved"));
            }
        }
        if args.held {
            fake.add_instance(kind, id, held(id, &ids));
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

/// Yesterday's instance of `event`, whose registrants have `ids` (`person{i}@example.com`).
fn held(event: u64, ids: &[String]) -> fake_zoom::Instance {
    let day = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
        .saturating_sub(1);
    let at = |minute: u64| {
        let time =
            std::time::UNIX_EPOCH + Duration::from_secs(day * 86_400 + 15 * 3_600 + minute * 60);
        humantime::format_rfc3339_seconds(time).to_string()
    };
    let join = |i: usize, id: &str, from: u64, to: u64| fake_zoom::Join {
        id: format!("p{i}"),
        user_id: format!("{}", 16_778_240 + i),
        name: format!("First{i} Last{i}"),
        user_email: format!("person{i}@example.com"),
        registrant_id: id.to_string(),
        join_time: at(from),
        leave_time: at(to),
        in_waiting_room: false,
    };
    let mut joins = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let n = i as u64;
        match i % 3 {
            2 if i % 2 == 0 => joins.push(fake_zoom::Join {
                in_waiting_room: true,
                ..join(i, id, 0, 5)
            }),
            2 => {}
            _ => {
                joins.push(join(i, id, n % 10, 30 + n % 20));
                if i % 7 == 0 {
                    joins.push(join(i, id, 45, 55));
                }
            }
        }
    }
    joins.push(fake_zoom::Join {
        id: "guest1".to_string(),
        name: "A Guest".to_string(),
        user_email: "guest@example.org".to_string(),
        join_time: at(10),
        leave_time: at(40),
        ..fake_zoom::Join::default()
    });
    fake_zoom::Instance {
        uuid: format!("Held{event}On{day}=="),
        start_time: at(0),
        end_time: Some(at(60)),
        joins,
    }
}
