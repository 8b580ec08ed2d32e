//! The outbox worker against a real SMTP server (mailin-embedded) and the SMS log file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use store::kit::outbox::{self, Channel};
use store::testing::{TempDir, TestDb};
use web::kit::outbox::{SmsLogFile, SmtpConfig, Worker};

#[derive(Clone, Default)]
struct Sink {
    current: Vec<u8>,
    received: Arc<Mutex<Vec<String>>>,
}

impl mailin_embedded::Handler for Sink {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> mailin_embedded::Response {
        let mail = String::from_utf8_lossy(&self.current).to_string();
        self.received.lock().unwrap().push(mail);
        self.current.clear();
        mailin_embedded::response::OK
    }
}

/// Start an SMTP sink on a free port; returns the port and the received messages.
pub(crate) fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let sink = Sink::default();
    let received = sink.received.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = mailin_embedded::Server::new(sink);
    server.with_name("sink.test").with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, received)
}

store::backend_tests! {
    #[tokio::test]
    async fn mail_and_sms_are_delivered_and_failures_retried(backend) {
        let t = TestDb::new(backend).await.unwrap();
        let db = t.db.clone();
        let (port, received) = smtp_sink();
        let dir = TempDir::new("minwon-sms").unwrap();
        let sms_log = dir.0.join("sms.log");
        let worker = Worker {
            db: db.clone(),
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port,
                from: "minwon@yesi.example.kr".into(),
            }),
            mail_log: None,
            sms: Box::new(SmsLogFile(sms_log.clone())),
        };
        let now = store::now();
        let mut tx = db.begin().await.unwrap();
        let mail = outbox::enqueue(
            &mut tx,
            Channel::Email,
            "resident@example.kr",
            "민원 처리 결과 안내",
            "처리되었습니다.",
            now,
        )
        .await
        .unwrap();
        let sms = outbox::enqueue(
            &mut tx,
            Channel::Sms,
            "010-1234-5678",
            "",
            "민원이 접수되었습니다",
            now,
        )
        .await
        .unwrap();
        let bad = outbox::enqueue(&mut tx, Channel::Email, "not an address", "x", "y", now)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        assert_eq!(worker.run_once().await.unwrap(), 2);
        let mails = received.lock().unwrap().clone();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains("resident@example.kr"));
        assert!(mails[0].contains("Subject:"));
        assert_eq!(outbox::get(&db, mail).await.unwrap().status, "sent");
        assert_eq!(outbox::get(&db, sms).await.unwrap().status, "sent");
        let log = std::fs::read_to_string(&sms_log).unwrap();
        assert!(log.contains("010-1234-5678") && log.contains("민원이 접수되었습니다"));
        // The malformed address failed, stays queued with its error and a later retry time.
        let failed = outbox::get(&db, bad).await.unwrap();
        assert_eq!(failed.status, "pending");
        assert_eq!(failed.attempts, 1);
        assert!(failed.last_error.contains("recipient"));
        assert_eq!(worker.run_once().await.unwrap(), 0, "not due again yet");
    }
}

#[tokio::test]
async fn unreachable_smtp_server_means_retry_not_loss() {
    let t = TestDb::new("sqlite").await.unwrap();
    let db = t.db.clone();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let worker = Worker {
        db: db.clone(),
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            from: "minwon@yesi.example.kr".into(),
        }),
        mail_log: None,
        sms: Box::new(SmsLogFile(std::env::temp_dir().join("unused-sms.log"))),
    };
    let mut tx = db.begin().await.unwrap();
    let id = outbox::enqueue(
        &mut tx,
        Channel::Email,
        "a@example.kr",
        "s",
        "b",
        store::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 0);
    let m = outbox::get(&db, id).await.unwrap();
    assert_eq!((m.status.as_str(), m.attempts), ("pending", 1));
    assert!(!m.last_error.is_empty());
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_mail_log() {
    let t = TestDb::new("sqlite").await.unwrap();
    let dir = TempDir::new("minwon-mail").unwrap();
    let mail_log = dir.0.join("mail.log");
    let worker = Worker {
        db: t.db.clone(),
        smtp: None,
        mail_log: Some(mail_log.clone()),
        sms: Box::new(SmsLogFile(dir.0.join("sms.log"))),
    };
    let mut tx = t.db.begin().await.unwrap();
    let id = outbox::enqueue(
        &mut tx,
        Channel::Email,
        "a@example.kr",
        "처리 결과",
        "답변드립니다",
        store::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(outbox::get(&t.db, id).await.unwrap().status, "sent");
    let log = std::fs::read_to_string(&mail_log).unwrap();
    assert!(log.contains("a@example.kr") && log.contains("처리 결과 | 답변드립니다"));
}
