//! Where zimport's secrets and endpoints come from: the Server-to-Server OAuth credentials (the
//! environment, or a private `--env-file`, which is then the whole of zimport's environment), and
//! the token and API URLs, which must be HTTPS
//! unless they point at this machine (tokens never travel in clear).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use secrecy::SecretString;

pub const DEFAULT_OAUTH_URL: &str = "https://zoom.us/oauth/token";
pub const DEFAULT_API_URL: &str = "https://api.zoom.us";

/// The S2S OAuth app's credentials. The secret is a [`SecretString`]: its `Debug` is redacted,
/// and only [`crate::zoom::auth`] ever reads it.
#[derive(Clone)]
pub struct Credentials {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

const NAMES: [&str; 3] = ["ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"];

impl Credentials {
    /// Reads the three variables through `lookup` (the environment, or an env file). `None`
    /// if all are missing; an error naming the missing ones if only some are set.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Credentials>, String> {
        let values: Vec<Option<String>> = NAMES
            .iter()
            .map(|name| {
                lookup(name)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            })
            .collect();
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let missing: Vec<&str> = NAMES
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(name, _)| *name)
            .collect();
        match (&values[0], &values[1], &values[2]) {
            (Some(account_id), Some(client_id), Some(secret)) => Ok(Some(Credentials {
                account_id: account_id.clone(),
                client_id: client_id.clone(),
                client_secret: SecretString::from(secret.clone()),
            })),
            _ => Err(format!(
                "{} not set (all of {} are needed)",
                missing.join(" and "),
                NAMES.join(", ")
            )),
        }
    }
}

/// zimport's own variables: with `--env-file`, all of them come from the file.
pub const OWN_VARIABLES: [&str; 5] = [
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "ZOOM_OAUTH_URL",
    "ZOOM_API_URL",
];

/// The most an env file may hold: a few lines of `KEY=VALUE`.
pub const MAX_ENV_FILE_BYTES: u64 = 64 * 1024;

/// Reads the `KEY=VALUE` lines of an `--env-file` (blank lines and `#` comments allowed,
/// `export ` and quotes tolerated, a UTF-8 BOM skipped). It must be a regular file (a FIFO or a
/// device is refused before it is read: it could block, or never end) of at most
/// [`MAX_ENV_FILE_BYTES`], and private: it holds a secret.
pub fn read_env_file(path: &Path) -> Result<HashMap<String, String>, String> {
    use std::io::Read;
    let shown = path.display();
    // Without blocking on a FIFO, and only a regular file: a device could never end.
    let file = crate::files::open_regular(path).map_err(|e| format!("--env-file {shown}: {e}"))?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("--env-file {shown}: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "--env-file {shown} has mode {mode:o}, so other users of this machine can read the client secret in it; make it private with: chmod 600 {shown}"
            ));
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_ENV_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("--env-file {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_ENV_FILE_BYTES {
        return Err(format!(
            "--env-file {shown} is larger than {} KiB; it should hold a few KEY=VALUE lines",
            MAX_ENV_FILE_BYTES / 1024
        ));
    }
    let text =
        String::from_utf8(bytes).map_err(|_| format!("--env-file {shown} is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut values = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "--env-file {shown} line {}: expected KEY=VALUE",
                index + 1
            ));
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        values.insert(key.trim().to_string(), value.to_string());
    }
    Ok(values)
}

/// Checks that `url` is HTTPS, or plain HTTP to a loopback host; `what` names it in errors.
pub fn checked_url(url: &str, what: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| format!("{what} '{}' is not a URL: {e}", without_userinfo(url)))?;
    // A `user:password@` part would go out as a second Authorization header, and its password
    // into error messages: refused, and not shown.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        let host = parsed.host_str().unwrap_or("");
        return Err(format!(
            "{what} holds a user name or password before its host ({host}); zimport signs in with the app's credentials alone: remove the 'user:password@' part"
        ));
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(format!(
            "{what} '{url}' is plain http: tokens never travel in clear, so http is allowed only for 127.0.0.1, ::1 and localhost; use https"
        )),
        other => Err(format!("{what} '{url}' has scheme '{other}'; use https")),
    }
}

/// `url` as an error may quote it, whether or not it parses: whatever sits between `://` and
/// an `@` before the path (a `user:password@` part) left out.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://…@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for url in [
            "https://zoom.us/oauth/token",
            "http://127.0.0.1:9900/oauth/token",
            "http://127.1.2.3/",
            "http://localhost:8080",
            "http://[::1]:80/",
        ] {
            assert!(checked_url(url, "ZOOM_OAUTH_URL").is_ok(), "{url}");
        }
    }

    #[test]
    fn plain_http_elsewhere_is_refused() {
        for url in [
            "http://zoom.us/oauth/token",
            "http://10.0.0.5/",
            "http://localhost.evil.com/",
        ] {
            let err = checked_url(url, "ZOOM_API_URL").expect_err(url);
            assert!(err.contains("tokens never travel in clear"), "{err}");
        }
        assert!(checked_url("ftp://x", "ZOOM_API_URL").is_err());
        for url in [
            "https://admin:hunter2@api.zoom.us/",
            "https://admin@api.zoom.us/",
            "http://u:hunter2@127.0.0.1:9900/",
            // A URL that does not parse (its port) is quoted without its password too.
            "https://admin:hunter2@api.zoom.us:99999/",
            "https://admin:hunter2@/",
        ] {
            let err = checked_url(url, "ZOOM_API_URL").expect_err(url);
            assert!(
                err.contains("user name or password") || err.contains("is not a URL"),
                "{err}"
            );
            assert!(!err.contains("hunter2") && !err.contains("admin"), "{err}");
        }
        assert!(checked_url("not a url", "ZOOM_API_URL").is_err());
    }

    #[test]
    fn partial_credentials_name_what_is_missing() {
        let err =
            Credentials::from_lookup(|name| (name == "ZOOM_CLIENT_ID").then(|| "id".to_string()))
                .expect_err("partial");
        assert!(
            err.starts_with("ZOOM_ACCOUNT_ID and ZOOM_CLIENT_SECRET not set"),
            "{err}"
        );
        assert!(Credentials::from_lookup(|_| None).expect("none").is_none());
    }

    #[test]
    fn debug_output_redacts_the_secret() {
        let credentials = Credentials::from_lookup(|name| Some(format!("value-of-{name}")))
            .expect("complete")
            .expect("present");
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("value-of-ZOOM_CLIENT_SECRET"), "{shown}");
        assert_eq!(
            credentials.client_secret.expose_secret(),
            "value-of-ZOOM_CLIENT_SECRET"
        );
    }

    #[cfg(unix)]
    #[test]
    fn env_file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("zoom.env");
        std::fs::write(
            &path,
            "# Zoom app\nexport ZOOM_ACCOUNT_ID=acc\nZOOM_CLIENT_ID = \"cid\"\nZOOM_CLIENT_SECRET='s3cret'\n",
        )
        .expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = read_env_file(&path).expect_err("readable by others");
        assert!(
            err.contains("has mode 644") && err.contains("chmod 600"),
            "{err}"
        );
        assert!(!err.contains("s3cret"));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let values = read_env_file(&path).expect("private");
        let credentials = Credentials::from_lookup(|name| values.get(name).cloned())
            .expect("complete")
            .expect("present");
        assert_eq!(credentials.account_id, "acc");
        assert_eq!(credentials.client_id, "cid");
        assert_eq!(credentials.client_secret.expose_secret(), "s3cret");
    }
}
