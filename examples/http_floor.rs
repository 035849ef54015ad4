//! The floor for the single-add overhead benchmark: the least CPU one paced HTTP request per
//! row can cost on this machine. One token, then ROWS single adds to the fake Zoom, evenly
//! paced at RATE a second on a current-thread runtime with one connection: no CSV, no
//! validation, no retries, no results file. zimport's CPU per single add, compared with this,
//! is what the tool itself adds.
//!
//! `ZOOM_OAUTH_URL=… ZOOM_CLIENT_ID=… ZOOM_CLIENT_SECRET=… ZOOM_ACCOUNT_ID=…
//!  cargo run --release --example http_floor -- WEBINAR_ID ROWS RATE`

use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [webinar, rows, rate] = args.as_slice() else {
        eprintln!("usage: http_floor WEBINAR_ID ROWS RATE");
        return ExitCode::from(2);
    };
    let (Ok(rows), Ok(rate)) = (rows.parse::<u32>(), rate.parse::<u32>()) else {
        eprintln!("http_floor: ROWS and RATE are whole numbers");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("http_floor: {err}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(webinar, rows, rate.max(1))) {
        Ok(created) => {
            println!("{created} of {rows} registered");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("http_floor: {err}");
            ExitCode::from(1)
        }
    }
}

async fn run(webinar: &str, rows: u32, rate: u32) -> Result<u32, String> {
    let env = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(env("ZOOM_OAUTH_URL")?)
        .basic_auth(env("ZOOM_CLIENT_ID")?, Some(env("ZOOM_CLIENT_SECRET")?))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", &env("ZOOM_ACCOUNT_ID")?),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let bearer = token["access_token"].as_str().ok_or("no access_token")?;
    let api = token["api_url"].as_str().ok_or("no api_url")?;
    let url = format!("{api}/v2/webinars/{webinar}/registrants");
    let mut pace = tokio::time::interval(Duration::from_secs(1) / rate);
    let mut created = 0;
    for row in 0..rows {
        pace.tick().await;
        let body = serde_json::json!({
            "email": format!("floor{row}@example.com"),
            "first_name": format!("First{row}"),
            "last_name": format!("Last{row}"),
        });
        let answer = client
            .post(&url)
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        created += u32::from(answer.status().as_u16() == 201);
        // Read the body, as a real client must.
        answer.bytes().await.map_err(|e| e.to_string())?;
    }
    Ok(created)
}
