//! Where Minwon keeps its data and how it is reached: flags, then environment, then the config
//! file, then defaults.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Flags shared by every subcommand that touches data. Global: they may stand before or after
/// the subcommands below (`admin --data DIR audit verify` or `admin audit verify --data DIR`).
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Data directory (database file, attachments, keys, logs).
    #[arg(long = "data", env = "MINWON_DATA", value_name = "DIR", global = true)]
    pub data: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: SQLite in the data directory.
    #[arg(long, env = "MINWON_DATABASE_URL", value_name = "URL", global = true)]
    pub database_url: Option<String>,
    /// Configuration file (TOML). Default: `minwon.toml` in the data directory, if present.
    #[arg(long, env = "MINWON_CONFIG", value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

/// The configuration file. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub mail_from: Option<String>,
    /// The address residents reach the site at (`https://minwon.example.go.kr`): links in
    /// e-mail and text messages start with it.
    pub public_url: Option<String>,
    pub behind_tls: Option<bool>,
    pub trust_proxy: Option<bool>,
    /// Proxies (addresses or CIDR blocks) whose X-Forwarded-For entries are believed.
    pub trusted_proxies: Option<Vec<String>>,
    pub session_hours: Option<i64>,
    pub rate_per_minute: Option<u32>,
    pub audit_retention_days: Option<i64>,
    /// Optional drafting through an OpenAI-compatible server (off unless both are set; the
    /// environment variables MINWON_DRAFT_LLM_URL and MINWON_DRAFT_LLM_MODEL override).
    pub draft_llm_url: Option<String>,
    pub draft_llm_model: Option<String>,
    /// Seconds to wait for a draft before showing the built-in one (default 30).
    pub draft_llm_timeout_secs: Option<u64>,
}

/// The settled configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data: PathBuf,
    pub database_url: String,
    pub file: FileConfig,
}

impl Settings {
    pub fn resolve(args: &DataArgs) -> Result<Settings, String> {
        let explicit = args.config.clone();
        let guess_data = args
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from("./minwon-data"));
        let path = explicit
            .clone()
            .unwrap_or_else(|| guess_data.join("minwon.toml"));
        let file = if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "설정 파일을 읽을 수 없습니다 (cannot read config {}): {e}",
                    path.display()
                )
            })?;
            toml::from_str::<FileConfig>(&text).map_err(|e| {
                format!(
                    "설정 파일이 올바르지 않습니다 (invalid config {}): {e}",
                    path.display()
                )
            })?
        } else if explicit.is_some() {
            return Err(format!(
                "설정 파일이 없습니다 (config file {} does not exist)",
                path.display()
            ));
        } else {
            FileConfig::default()
        };
        let data = args
            .data
            .clone()
            .or_else(|| file.data.clone())
            .unwrap_or_else(|| PathBuf::from("./minwon-data"));
        let database_url = args
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| sqlite_url(&data));
        Ok(Settings {
            data,
            database_url,
            file,
        })
    }
}

impl Settings {
    /// The drafting endpoint, when configured (environment first, then the config file).
    pub fn draft_endpoint(&self) -> Option<web::petitions::assist::DraftEndpoint> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let base_url = env("MINWON_DRAFT_LLM_URL").or_else(|| self.file.draft_llm_url.clone())?;
        let model = env("MINWON_DRAFT_LLM_MODEL").or_else(|| self.file.draft_llm_model.clone())?;
        Some(web::petitions::assist::DraftEndpoint {
            base_url,
            model,
            timeout: std::time::Duration::from_secs(
                self.file.draft_llm_timeout_secs.unwrap_or(30).max(1),
            ),
        })
    }
}

impl Settings {
    /// The trusted proxies: the flag or environment (comma-separated) beats the file's list;
    /// loopback when neither is given (a reverse proxy on the same machine).
    pub fn trusted_proxies(
        &self,
        given: Option<&str>,
    ) -> Result<Vec<web::kit::security::TrustedProxy>, String> {
        let text = match (given, &self.file.trusted_proxies) {
            (Some(g), _) => g.to_string(),
            (None, Some(list)) => list.join(","),
            (None, None) => "127.0.0.1,::1".to_string(),
        };
        web::kit::security::parse_trusted_proxies(&text)
    }
}

pub fn sqlite_url(data: &Path) -> String {
    format!("sqlite://{}", data.join("minwon.sqlite").display())
}
