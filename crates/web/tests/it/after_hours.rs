//! After-hours booking over HTTP (issue 18, items 1-7): who may see and do what, per role,
//! through the JSON API on both databases; the pages signed out and signed in, with bad input
//! answered beside the field in both languages, everything typed kept and nothing written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{
    Server, api, bilingual, browser, client, form_token, page_answer, start_unlimited,
};
use serde_json::{Value, json};

fn schedule(rule: &str) -> Value {
    json!({
        "name": "여권 야간 민원실", "name_en": "Evening passports", "place": "본관 1층",
        "place_en": "Main building", "rule": rule, "anchor": "2026-01-01",
        "opens": "18:00:00", "closes": "20:00:00",
        "cutoff": {"kind": "same_day_at", "value": "18:00:00"},
        "min_bookings": 1, "one_per_person": true, "payment_methods": ["cash"],
        "checkin_early_minutes": 30, "checkin_late_minutes": 10,
        "remind_day_before": true, "remind_hours_before": true, "exceptions": []
    })
}

fn service() -> Value {
    json!({
        "kind": "passport_application", "slot_minutes": 30, "counters": 1, "per_counter": 1,
        "in_person": "본인", "in_person_en": "In person", "guardian_for_minors": true,
        "checklist": [{"ko": "여권용 사진", "en": "Passport photo"}],
        "fee_note": "", "fee_note_en": ""
    })
}

async fn count(s: &Server, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let (n,) = store::fetch_one!(&s.state.db, (i64,), sqlx::AssertSqlSafe(sql)).unwrap();
    n
}

/// A daily schedule run by 민원팀 with one service of one place per slot: its id and a
/// bookable evening's first two slots (day, service, start).
async fn daily(s: &Server) -> (i64, String, i64, Vec<String>) {
    let admin = api(s, "admin").await;
    let (st, body) = admin
        .post(
            "/api/v1/after-hours/schedules",
            json!({"department_id": s.ids.team, "schedule": schedule("FREQ=DAILY")}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (st, list) = admin
        .put(
            &format!("/api/v1/after-hours/schedules/{id}/services"),
            service(),
        )
        .await;
    assert_eq!(st, 200, "{list}");
    let service_id = list[0]["id"].as_i64().unwrap();
    let (st, evenings) = admin
        .get(&format!("/api/v1/after-hours/schedules/{id}/evenings"))
        .await;
    assert_eq!(st, 200, "{evenings}");
    // Two days ahead at least: booking is open whatever the hour.
    let e = &evenings[2];
    let starts = e["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["starts_at"].as_str().unwrap().to_string())
        .collect();
    (
        id,
        e["day"].as_str().unwrap().to_string(),
        service_id,
        starts,
    )
}

fn booking(id: i64, day: &str, service: i64, start: &str, phone: &str) -> Value {
    json!({
        "schedule_id": id, "day": day, "service_id": service, "starts_at": start,
        "name": "홍길동", "phone": phone, "consent": true
    })
}

async fn after_hours_by_role(backend: &str) {
    let s = start_unlimited(backend).await;
    let admin = api(&s, "admin").await;
    let sup = api(&s, "sup").await; // 민원과's supervisor: 민원팀 is in the division
    let kim = api(&s, "kim").await; // 민원팀: runs the evenings
    let lee = api(&s, "lee").await; // 건설과: another department
    let resident = api(&s, "resident").await;

    // Schedules: the administrator and the division's supervisor set them; officials and
    // residents do not; signed out is 401.
    let new = json!({"department_id": s.ids.team, "schedule": schedule("FREQ=WEEKLY;BYDAY=TH")});
    for (who, expect) in [(&kim, 403), (&lee, 403), (&resident, 403)] {
        let (st, body) = who.post("/api/v1/after-hours/schedules", new.clone()).await;
        assert_eq!(st, expect, "{body}");
    }
    let res = client()
        .get(s.url("/api/v1/after-hours/schedules"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (st, body) = sup.post("/api/v1/after-hours/schedules", new.clone()).await;
    assert_eq!(st, 201, "{body}");
    // A rule that never opens: refused on its field, both languages, nothing written.
    let never = json!({"department_id": s.ids.team, "schedule": schedule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")});
    let (st, body) = admin.post("/api/v1/after-hours/schedules", never).await;
    assert_eq!(st, 400, "{body}");
    bilingual(&body);
    assert_eq!(count(&s, "after_hours_schedules").await, 1);
    // The preview lists the evenings before saving.
    let (st, body) = admin
        .post(
            "/api/v1/after-hours/schedules/preview",
            schedule("FREQ=MONTHLY;BYDAY=2TH,4TH"),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["openings"].as_array().unwrap().len(), 8);
    // Staff read the schedules; residents do not.
    assert_eq!(kim.get("/api/v1/after-hours/schedules").await.0, 200);
    assert_eq!(resident.get("/api/v1/after-hours/schedules").await.0, 403);

    let (id, day, service, starts) = daily(&s).await;
    // Services: set by those who set the schedule, read by staff.
    let services = format!("/api/v1/after-hours/schedules/{id}/services");
    assert_eq!(kim.put(&services, self::service()).await.0, 403);
    assert_eq!(resident.get(&services).await.0, 403);
    let (st, list) = lee.get(&services).await;
    assert_eq!(
        (st, list[0]["draft"]["kind"].as_str()),
        (200, Some("passport_application"))
    );
    // A resident books for themself online; 민원팀 takes a phone booking; 건설과 may not.
    let (st, mine) = resident
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, &starts[0], "010-5555-0001"),
        )
        .await;
    assert_eq!(st, 201, "{mine}");
    assert_eq!(mine["channel"], "online");
    let (st, phoned) = kim
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, &starts[1], "010-5555-0002"),
        )
        .await;
    assert_eq!(st, 201, "{phoned}");
    assert_eq!(phoned["channel"], "phone");
    let (st, body) = lee
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, &starts[2], "010-5555-0003"),
        )
        .await;
    assert_eq!(st, 403, "{body}");
    // The administrator sets schedules but works no evening (the policy grants no bookings).
    let (st, body) = admin
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, &starts[2], "010-5555-0008"),
        )
        .await;
    assert_eq!(st, 403, "{body}");
    // The slot is full now; the same phone twice; a slot that does not exist; a bad phone.
    let (st, body) = sup
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, &starts[0], "010-5555-0009"),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("slot_full")),
        "{body}"
    );
    bilingual(&body);
    let (st, body) = resident
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, &starts[3], "01055550001"),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("already_booked")),
        "{body}"
    );
    let (st, body) = resident
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, "2030-01-01T00:00:00Z", "010-5555-0004"),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("no_slot")),
        "{body}"
    );
    let (st, body) = resident
        .post(
            "/api/v1/after-hours/bookings",
            booking(id, &day, service, &starts[2], "12-34"),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (400, Some("bad_phone")),
        "{body}"
    );
    assert_eq!(count(&s, "after_hours_bookings").await, 2);

    // An evening's bookings: the running department and its supervisor, nobody else.
    let evening = mine["evening_id"].as_i64().unwrap();
    let path = format!("/api/v1/after-hours/evenings/{evening}/bookings");
    for (who, expect) in [
        (&kim, 200),
        (&sup, 200),
        (&admin, 403),
        (&lee, 403),
        (&resident, 403),
    ] {
        let (st, body) = who.get(&path).await;
        assert_eq!(st, expect, "{body}");
    }

    // By code: the wrong phone gets the same answer as a code that does not exist.
    let code = mine["code"].as_str().unwrap();
    let (st, a) = resident
        .post(
            "/api/v1/after-hours/bookings/lookup",
            json!({"code": code, "phone": "010-9999-9999"}),
        )
        .await;
    let (st2, b) = resident
        .post(
            "/api/v1/after-hours/bookings/lookup",
            json!({"code": "ZZZZZZZZ", "phone": "010-5555-0001"}),
        )
        .await;
    assert_eq!((st, st2), (400, 400), "{a} {b}");
    assert_eq!(a, b);
    bilingual(&a);
    // Moved to a free slot.
    let (st, moved) = resident
        .post(
            "/api/v1/after-hours/bookings/reschedule",
            json!({"code": code, "phone": "010-5555-0001", "day": day, "service_id": service, "starts_at": starts[3]}),
        )
        .await;
    assert_eq!(st, 200, "{moved}");
    assert_eq!(moved["slot_starts_at"], json!(starts[3]));

    // Cancelling the evening: an official may not; the supervisor does, everyone is told.
    let cancel = format!("/api/v1/after-hours/evenings/{evening}/cancel");
    assert_eq!(kim.post(&cancel, json!({"reason": "점검"})).await.0, 403);
    let outbox = count(&s, "outbox").await;
    let (st, body) = sup.post(&cancel, json!({"reason": "청사 점검"})).await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["cancelled_bookings"], 2);
    assert_eq!(count(&s, "outbox").await, outbox + 2);
    s.shutdown().await;
}

#[tokio::test]
async fn after_hours_by_role_sqlite() {
    after_hours_by_role("sqlite").await;
}

#[tokio::test]
async fn after_hours_by_role_postgres() {
    if std::env::var("MINWON_TEST_POSTGRES_URL").is_err() {
        assert!(
            std::env::var("MINWON_REQUIRE_POSTGRES").is_err(),
            "PostgreSQL required"
        );
        eprintln!("skipped: MINWON_TEST_POSTGRES_URL not set");
        return;
    }
    after_hours_by_role("postgres").await;
}

/// The text of the mail part whose headers name `content_type`, decoded (lettre writes a
/// non-ASCII text part as base64 or quoted-printable).
fn mail_part(mail: &str, content_type: &str) -> Option<String> {
    let mail = mail.replace("\r\n", "\n");
    let at = mail.find(&format!("Content-Type: {content_type}"))?;
    let part = &mail[at..];
    let (headers, rest) = part.split_once("\n\n")?;
    let body = rest.split("\n--").next()?;
    if headers.contains("Content-Transfer-Encoding: base64") {
        let bytes = base64_decode(&body.split_whitespace().collect::<String>());
        String::from_utf8(bytes).ok()
    } else if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        let joined = body.replace("=\n", "");
        let mut out = Vec::new();
        let b = joined.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).ok()?);
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).ok()
    } else {
        Some(body.to_string())
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

store::backend_tests! {
    /// A resident books with an e-mail address: the confirmation reaches a real SMTP server with
    /// the calendar file attached, the same file the booking's `.ics` link serves, and links that
    /// start with the site's public address.
    #[tokio::test]
    async fn the_confirmation_mail_carries_the_calendar_file(backend) {
        let config = web::WebConfig {
            public_url: "https://minwon.yesi.example.kr/".into(),
            ..crate::common::unlimited()
        };
        let s = crate::common::start_with(backend, config).await;
        let (id, day, service, starts) = daily(&s).await;
        let resident = api(&s, "resident").await;
        let mut request = booking(id, &day, service, &starts[0], "010-5555-0101");
        request["email"] = json!("hong@example.kr");
        let (st, b) = resident.post("/api/v1/after-hours/bookings", request).await;
        assert_eq!(st, 201, "{b}");
        let code = b["code"].as_str().unwrap().to_string();

        let (port, received) = crate::outbox::smtp_sink();
        let worker = web::kit::outbox::Worker {
            db: s.state.db.clone(),
            smtp: Some(web::kit::outbox::SmtpConfig {
                host: "127.0.0.1".into(),
                port,
                from: "minwon@yesi.example.kr".into(),
            }),
            mail_log: None,
            sms: Box::new(web::kit::outbox::SmsLogFile(
                std::env::temp_dir().join(format!("minwon-ah-sms-{}.log", std::process::id())),
            )),
        };
        assert!(worker.run_once().await.unwrap() >= 1);
        let mails = received.lock().unwrap().clone();
        let mail = mails
            .iter()
            .find(|m| m.contains("hong@example.kr"))
            .expect("the confirmation was delivered");
        assert!(mail.contains("multipart/mixed"), "{mail}");
        assert!(mail.contains("filename=\"after-hours.ics\""), "{mail}");
        let text = mail_part(mail, "text/plain").expect("the message text");
        assert!(text.contains("예약이 확정되었습니다"), "{text}");
        // Links that work from a mailbox: the site's public address in front.
        assert!(
            text.contains(&format!(
                "https://minwon.yesi.example.kr/after-hours/booking/{}-{}.ics",
                &code[..4],
                &code[4..]
            )),
            "{text}"
        );
        let ics = mail_part(mail, "text/calendar").expect("the calendar part");
        assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
        assert!(
            ics.contains("TZID=Asia/Seoul") && ics.contains("BEGIN:VTIMEZONE"),
            "{ics}"
        );
        assert!(
            !ics.contains("홍길동") && !ics.contains("010-5555"),
            "no personal data: {ics}"
        );
        // The attachment is the file the link serves, byte for byte.
        let served = client()
            .get(s.url(&format!("/after-hours/booking/{code}.ics")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(ics.replace("\r\n", "\n"), served.replace("\r\n", "\n"));
        s.shutdown().await;
    }
}

/// A visitor without an account: the page's own form token as cookie and field.
struct Visitor<'a> {
    s: &'a Server,
    token: String,
}

impl Visitor<'_> {
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let mut fields = vec![("csrf_token", self.token.as_str())];
        fields.extend_from_slice(form);
        let res = client()
            .post(self.s.url(path))
            .header("cookie", format!("minwon_csrf={}", self.token))
            .form(&fields)
            .send()
            .await
            .unwrap();
        page_answer(res).await
    }
}

fn slot_value(day: &str, service: i64, start: &str) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(start).unwrap();
    format!("{day}|{service}|{}", t.timestamp())
}

#[tokio::test]
async fn booking_signed_out_on_the_pages() {
    let s = start_unlimited("sqlite").await;
    let (id, day, service, starts) = daily(&s).await;
    let v = Visitor {
        s: &s,
        token: form_token(&s, "/after-hours").await,
    };
    let sid = id.to_string();
    let slot = slot_value(&day, service, &starts[0]);

    // Bad phone and no consent: errors beside the fields, everything typed kept, nothing written.
    let (st, html, _) = v
        .post(
            "/after-hours",
            &[
                ("schedule", &sid),
                ("slot", &slot),
                ("name", "홍길동"),
                ("phone", "12-34"),
                ("email", "hong@example.kr"),
            ],
        )
        .await;
    assert_eq!(st, 422, "{html}");
    assert!(html.contains("전화번호 형식이 맞지 않습니다"), "{html}");
    assert!(html.contains("개인정보 수집·이용에 동의해야"), "{html}");
    assert!(
        html.contains("value=\"홍길동\"") && html.contains("value=\"12-34\""),
        "{html}"
    );
    assert!(html.contains("hong@example.kr"));
    assert_eq!(count(&s, "after_hours_bookings").await, 0);

    // Booked: the code, the checklist, the calendar file.
    let form = [
        ("schedule", sid.as_str()),
        ("slot", slot.as_str()),
        ("name", "홍길동"),
        ("phone", "010-7777-0001"),
        ("consent", "yes"),
    ];
    let (st, html, _) = v.post("/after-hours", &form).await;
    assert_eq!(st, 200, "{html}");
    let at = html.find("id=\"booking-code\">").unwrap() + "id=\"booking-code\">".len();
    let code = html[at..at + 9].to_string();
    assert!(html.contains("여권용 사진"));
    let res = client()
        .get(s.url(&format!("/after-hours/booking/{code}.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ics = res.text().await.unwrap();
    assert!(
        ics.contains("BEGIN:VTIMEZONE") && ics.contains("TZID=Asia/Seoul"),
        "{ics}"
    );

    // The slot is full for the next person, and the same phone cannot book twice (in English).
    let other = [
        ("schedule", sid.as_str()),
        ("slot", slot.as_str()),
        ("name", "김철수"),
        ("phone", "010-7777-0002"),
        ("consent", "yes"),
    ];
    let (st, html, _) = v.post("/after-hours", &other).await;
    assert_eq!(st, 422);
    assert!(html.contains("예약이 다 찼습니다"), "{html}");
    assert!(html.contains("value=\"김철수\""));
    let slot2 = slot_value(&day, service, &starts[1]);
    let again = [
        ("schedule", sid.as_str()),
        ("slot", slot2.as_str()),
        ("name", "홍길동"),
        ("phone", "01077770001"),
        ("consent", "yes"),
    ];
    let res = client()
        .post(s.url("/after-hours?lang=en"))
        .header("cookie", format!("minwon_csrf={}; minwon_lang=en", v.token))
        .form(&[&[("csrf_token", v.token.as_str())][..], &again[..]].concat())
        .send()
        .await
        .unwrap();
    let (st, html, _) = page_answer(res).await;
    assert_eq!(st, 422);
    assert!(html.contains("already holds a booking"), "{html}");
    assert_eq!(count(&s, "after_hours_bookings").await, 1);

    // A code that does not exist; then the right code and phone cancel it.
    let (st, html, _) = v
        .post(
            "/after-hours/booking",
            &[
                ("code", "ZZZZ-ZZZZ"),
                ("phone", "010-7777-0001"),
                ("act", "find"),
            ],
        )
        .await;
    assert_eq!(st, 422);
    assert!(html.contains("예약번호와 전화번호가 맞는 예약이 없습니다"));
    assert!(html.contains("value=\"ZZZZ-ZZZZ\""));
    let (st, html, _) = v
        .post(
            "/after-hours/booking",
            &[
                ("code", &code),
                ("phone", "010-7777-0001"),
                ("act", "cancel"),
            ],
        )
        .await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("예약을 취소했습니다"));
    let (n,): (i64,) = store::fetch_one!(
        &s.state.db,
        (i64,),
        "SELECT booked FROM after_hours_slots WHERE starts_at = $1",
        starts[0].clone()
    )
    .unwrap();
    assert_eq!(n, 0);
    s.shutdown().await;
}

#[tokio::test]
async fn the_office_pages_by_role_and_their_field_errors() {
    let s = start_unlimited("sqlite").await;
    let (id, _, _, _) = daily(&s).await;
    let resident = browser(&s, "resident").await;
    let (st, _, _) = resident.get("/after-hours/office").await;
    assert_eq!(st, 403);
    let lee = browser(&s, "lee").await;
    assert_eq!(lee.get("/after-hours/office").await.0, 200);
    assert_eq!(
        lee.get(&format!(
            "/after-hours/office/{id}/services?kind=certificates"
        ))
        .await
        .0,
        403
    );
    let admin = browser(&s, "admin").await;
    let (st, html, _) = admin.get("/after-hours/office/new").await;
    assert_eq!(st, 200);
    assert!(html.contains("value=\"18:00\""));

    // The 2nd and 4th Thursday from the plain choices: preview keeps everything, save stores.
    let team = s.ids.team.to_string();
    let form = |act: &'static str| {
        vec![
            ("department", team.clone()),
            ("name", "여권 야간".to_string()),
            ("pattern", "nth".into()),
            ("day", "TH".into()),
            ("nth", "2".into()),
            ("nth", "4".into()),
            ("anchor", "2026-01-01".into()),
            ("opens", "18:00".into()),
            ("closes", "20:00".into()),
            ("cutoff_kind", "same_day_at".into()),
            ("cutoff_time", "18:00".into()),
            ("min_bookings", "1".into()),
            ("payment", "cash".into()),
            ("checkin_early", "30".into()),
            ("checkin_late", "10".into()),
            ("exceptions", String::new()),
            ("act", act.into()),
        ]
    };
    let pairs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>()
    };
    let preview = pairs(&form("preview"));
    let refs: Vec<(&str, &str)> = preview.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = count(&s, "after_hours_schedules").await;
    let (st, html, _) = admin.post("/after-hours/office/new", &refs).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("id=\"preview-open\""), "{html}");
    assert!(html.contains("FREQ=MONTHLY;BYDAY=2TH,4TH"));
    assert_eq!(count(&s, "after_hours_schedules").await, before);

    // A rule that yields no dates: the error beside the rule, the typed text kept.
    let mut bad = pairs(&form("save"));
    bad[2].1 = "raw".into();
    bad.push(("rule", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30".into()));
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, html, _) = admin.post("/after-hours/office/new", &refs).await;
    assert_eq!(st, 422, "{html}");
    assert!(html.contains("id=\"s-rule-error\""), "{html}");
    assert!(html.contains("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"));
    assert_eq!(count(&s, "after_hours_schedules").await, before);

    let save = pairs(&form("save"));
    let refs: Vec<(&str, &str)> = save.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, to) = admin.post("/after-hours/office/new", &refs).await;
    assert_eq!(st, 303);
    let to = to.unwrap();
    assert_eq!(count(&s, "after_hours_schedules").await, before + 1);

    // A slot longer than the evening: beside the slot field, nothing written.
    let services = format!("{}/services", to.split('?').next().unwrap());
    let (st, html, _) = admin
        .post(
            &services,
            &[
                ("kind", "passport_application"),
                ("slot_minutes", "180"),
                ("counters", "1"),
                ("per_counter", "1"),
                ("checklist_ko", "사진"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(st, 422, "{html}");
    assert!(html.contains("id=\"v-slot_minutes-error\""), "{html}");
    assert!(html.contains("value=\"180\""));
    assert_eq!(count(&s, "after_hours_services").await, 1);
    s.shutdown().await;
}

/// Guessing codes stays slow: look-ups from one address are limited beyond the site-wide limit.
#[tokio::test]
async fn code_look_ups_are_throttled() {
    let s = crate::common::start("sqlite").await;
    let token = form_token(&s, "/after-hours/booking").await;
    let mut refused = 0;
    for _ in 0..14 {
        let res = client()
            .post(s.url("/after-hours/booking"))
            .header("cookie", format!("minwon_csrf={token}"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("code", "ZZZZZZZZ"),
                ("phone", "010-1111-2222"),
                ("act", "find"),
            ])
            .send()
            .await
            .unwrap();
        let (_, html, _) = page_answer(res).await;
        if html.contains("시도가 너무 많습니다") {
            refused += 1;
        }
    }
    assert!(refused >= 3, "{refused}");
    s.shutdown().await;
}

/// A signed-in resident finds name and phone filled in and sees their bookings; 민원팀 takes a
/// phone booking on the evening's page; a move on the page keeps the booking when the new slot
/// is full and moves it when free; the supervisor cancels the evening with a reason.
#[tokio::test]
async fn residents_staff_and_moves_on_the_pages() {
    let s = start_unlimited("sqlite").await;
    let (id, day, service, starts) = daily(&s).await;
    let sid = id.to_string();
    let resident = browser(&s, "resident").await;
    let (st, html, _) = resident.get("/after-hours").await;
    assert_eq!(st, 200);
    assert!(html.contains("value=\"010-1234-5678\""), "{html}");
    let slot = slot_value(&day, service, &starts[0]);
    let (st, html, _) = resident
        .post(
            "/after-hours",
            &[
                ("schedule", &sid),
                ("slot", &slot),
                ("name", "주민"),
                ("phone", "010-1234-5678"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(st, 200, "{html}");
    let at = html.find("id=\"booking-code\">").unwrap() + "id=\"booking-code\">".len();
    let code = html[at..at + 9].to_string();
    let (_, html, _) = resident.get("/after-hours").await;
    assert!(
        html.contains("id=\"my-bookings\"") && html.contains(&code),
        "{html}"
    );

    // 민원팀 opens the evening and takes a phone booking on 18:30; 건설과 may not open it.
    let kim = browser(&s, "kim").await;
    let (st, _, to) = kim
        .post(
            &format!("/after-hours/office/{id}/evening"),
            &[("day", &day)],
        )
        .await;
    assert_eq!(st, 303);
    let evening = to.unwrap();
    let slot2 = slot_value(&day, service, &starts[1]);
    let (st, _, to) = kim
        .post(
            &format!("{evening}/bookings"),
            &[
                ("schedule", &sid),
                ("slot", &slot2),
                ("name", "전화예약"),
                ("phone", "010-3333-4444"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(st, 303);
    assert!(to.unwrap().ends_with("done=booked"));
    let (_, html, _) = kim.get(&evening).await;
    assert!(html.contains("전화예약") && html.contains("전화"), "{html}");
    let lee = browser(&s, "lee").await;
    assert_eq!(lee.get(&evening).await.0, 403);

    // Move to the full 18:30: refused, still at 18:00; to 19:00: moved.
    let token = form_token(&s, "/after-hours/booking").await;
    let v = Visitor { s: &s, token };
    let (st, html, _) = v
        .post(
            "/after-hours/booking",
            &[
                ("code", &code),
                ("phone", "01012345678"),
                ("act", "move"),
                ("slot", &slot2),
            ],
        )
        .await;
    assert_eq!(st, 422);
    assert!(html.contains("예약이 다 찼습니다"), "{html}");
    assert!(html.contains("18:00–18:30"), "{html}");
    let slot3 = slot_value(&day, service, &starts[2]);
    let (st, html, _) = v
        .post(
            "/after-hours/booking",
            &[
                ("code", &code),
                ("phone", "01012345678"),
                ("act", "move"),
                ("slot", &slot3),
            ],
        )
        .await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("19:00–19:30"), "{html}");

    // The supervisor cancels the evening: a reason first, then everyone cancelled.
    let sup = browser(&s, "sup").await;
    let (st, html, _) = sup
        .post(&format!("{evening}/cancel"), &[("reason", " ")])
        .await;
    assert_eq!(st, 422);
    assert!(html.contains("id=\"e-reason-error\""), "{html}");
    assert_eq!(
        kim.post(&format!("{evening}/cancel"), &[("reason", "점검")])
            .await
            .0,
        403
    );
    let (st, _, _) = sup
        .post(&format!("{evening}/cancel"), &[("reason", "청사 점검")])
        .await;
    assert_eq!(st, 303);
    let (n,): (i64,) = store::fetch_one!(
        &s.state.db,
        (i64,),
        "SELECT COUNT(*) FROM after_hours_bookings WHERE state = 'cancelled' AND cancelled_by = 'office'"
    )
    .unwrap();
    assert_eq!(n, 2);
    s.shutdown().await;
}
