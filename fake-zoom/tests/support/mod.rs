//! A plain HTTP client of the fake, for the contract tests: tokens, requests, whole lists.

#![allow(dead_code)]

use fake_zoom::{EventSetup, FakeZoom, Kind, Setup};
use serde_json::{json, Value};

pub const MEETING: u64 = 83_927_864_687;

pub struct Client {
    pub http: reqwest::Client,
    pub zoom: FakeZoom,
    pub setup: Setup,
}

impl Client {
    pub fn start(setup: Setup) -> Client {
        let zoom = FakeZoom::start(setup.clone());
        zoom.add_event(Kind::Meeting, MEETING, EventSetup::scheduled_meeting());
        Client {
            http: reqwest::Client::new(),
            zoom,
            setup,
        }
    }

    pub async fn token(&self) -> String {
        let answer: Value = self
            .http
            .post(self.zoom.oauth_url())
            .basic_auth(&self.setup.client_id, Some(&self.setup.client_secret))
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", self.setup.account_id.as_str()),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("json");
        answer["access_token"].as_str().expect("token").to_string()
    }

    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: Value,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let response = self
            .http
            .post(format!("{}/v2/{path}", self.zoom.url()))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (
            status,
            headers,
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

impl Client {
    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/v2/{path}", self.zoom.url()))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (
            status,
            headers,
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// Every registrant of `status`, all pages.
    pub async fn list(&self, token: &str, status: &str) -> Vec<Value> {
        self.list_of(token, &format!("meetings/{MEETING}"), status, 2)
            .await
    }

    /// Every registrant of `status` of the event at `event` (`webinars/ID`), all pages of
    /// `page_size`.
    pub async fn list_of(
        &self,
        token: &str,
        event: &str,
        status: &str,
        page_size: usize,
    ) -> Vec<Value> {
        let mut all = Vec::new();
        let mut next = String::new();
        loop {
            let path = format!(
                "{event}/registrants?status={status}&page_size={page_size}&next_page_token={next}"
            );
            let (code, _, body) = self.send(reqwest::Method::GET, token, &path, None).await;
            assert_eq!(code, 200, "{body}");
            all.extend(
                body["registrants"]
                    .as_array()
                    .expect("list")
                    .iter()
                    .cloned(),
            );
            next = body["next_page_token"].as_str().unwrap_or("").to_string();
            if next.is_empty() {
                return all;
            }
        }
    }

    pub async fn set_status(
        &self,
        token: &str,
        action: &str,
        ids: &[&str],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let registrants: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        self.send(
            reqwest::Method::PUT,
            token,
            &format!("meetings/{MEETING}/registrants/status"),
            Some(json!({ "action": action, "registrants": registrants })),
        )
        .await
    }
}
