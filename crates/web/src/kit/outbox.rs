//! The outbox worker: sends queued notifications (mail over SMTP, SMS through a pluggable
//! sender) with retries and backoff. Runs beside the server; several servers on one
//! PostgreSQL share the queue safely (see `store::kit::outbox::claim_due`).

use chrono::Duration;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use store::Db;
use store::kit::outbox::{self, OutboxMessage};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;

/// Where mail goes: an SMTP relay (plain SMTP on a trusted network; the relay handles TLS).
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
}

/// Sends SMS. The default writes each message to a log file; a carrier gateway plugs in here.
pub trait SmsSender: Send + Sync {
    fn send<'a>(
        &'a self,
        to: &'a str,
        body: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;
}

/// Appends one line per message to a file, so an office without an SMS contract sees what
/// would have been sent.
pub struct SmsLogFile(pub PathBuf);

impl SmsSender for SmsLogFile {
    fn send<'a>(
        &'a self,
        to: &'a str,
        body: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let line = format!(
                "{}\t{}\t{}\n",
                store::now().to_rfc3339(),
                to,
                body.replace(['\n', '\t'], " ")
            );
            let mut f = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.0)
                .await
                .map_err(|e| e.to_string())?;
            f.write_all(line.as_bytes())
                .await
                .map_err(|e| e.to_string())?;
            f.sync_data().await.map_err(|e| e.to_string())
        })
    }
}

pub struct Worker {
    pub db: Db,
    /// Mail goes here when set; otherwise to `mail_log`.
    pub smtp: Option<SmtpConfig>,
    /// Without an SMTP relay, mail is written to this file (one line per message), so an
    /// office (or the demo) sees what would have been sent instead of failing forever.
    pub mail_log: Option<PathBuf>,
    pub sms: Box<dyn SmsSender>,
}

impl Worker {
    async fn send_mail(&self, m: &OutboxMessage) -> Result<(), String> {
        let Some(smtp) = &self.smtp else {
            return match &self.mail_log {
                Some(path) => {
                    let mut line = format!("{} | {}", m.subject, m.body);
                    if !m.attachment_name.is_empty() {
                        line.push_str(&format!(
                            " | [첨부 attachment: {}, {} bytes]",
                            m.attachment_name,
                            m.attachment.len()
                        ));
                    }
                    SmsLogFile(path.clone()).send(&m.recipient, &line).await
                }
                None => Err("no SMTP server configured (smtp_host in minwon.toml)".into()),
            };
        };
        let builder = Message::builder()
            .from(smtp.from.parse().map_err(|e| format!("bad sender: {e}"))?)
            .to(m
                .recipient
                .parse()
                .map_err(|e| format!("bad recipient: {e}"))?)
            .subject(m.subject.clone());
        let email = if m.attachment_name.is_empty() {
            builder.header(ContentType::TEXT_PLAIN).body(m.body.clone())
        } else {
            let kind = ContentType::parse(&m.attachment_type)
                .map_err(|e| format!("bad attachment type: {e}"))?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(m.body.clone()))
                    .singlepart(
                        Attachment::new(m.attachment_name.clone()).body(m.attachment.clone(), kind),
                    ),
            )
        }
        .map_err(|e| e.to_string())?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Send what is due now; returns how many were sent.
    pub async fn run_once(&self) -> Result<usize, store::StoreError> {
        let now = store::now();
        let due = outbox::claim_due(&self.db, now, 20, Duration::minutes(5)).await?;
        let mut sent = 0;
        for m in due {
            let result = match m.channel.as_str() {
                "email" => self.send_mail(&m).await,
                "sms" => self.sms.send(&m.recipient, &m.body).await,
                other => Err(format!("unknown channel {other}")),
            };
            match result {
                Ok(()) => {
                    outbox::mark_sent(&self.db, m.id, store::now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(id = m.id, error = %e, "notification not sent; will retry");
                    outbox::mark_failed(&self.db, &m, &e, store::now()).await?;
                }
            }
        }
        Ok(sent)
    }

    /// Poll until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let idle = match self.run_once().await {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => {
                    tracing::error!(error = %e, "outbox worker failed to read the queue");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}
