//! The after-hours evening at the counter (issue 18 item 6) through the JSON API and the pages,
//! per role: the running department's official and the division's supervisor work the counter;
//! an official of another department, a resident and the administrator do not; every staff
//! member may show the number-ticket screen, which never carries a name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use serde_json::json;
use store::fetch_one;
use store::service_access::evening::fixture::{self, Fixture, Wanted};

/// Thursday 14 January 2027, 18:00 in Seoul.
fn opens() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 14, 9, 0, 0).unwrap()
}

async fn resident_id(s: &Server) -> i64 {
    let (id,): (i64,) = fetch_one!(
        &s.state.db,
        _,
        "SELECT id FROM accounts WHERE username = 'resident'"
    )
    .unwrap();
    id
}

/// An evening of the 민원팀 (kim's department) with three bookings, the first the signed-in
/// resident's; the clock at its opening.
async fn seed(s: &Server, state: &str) -> Fixture {
    let resident = resident_id(s).await;
    let mut tx = s.state.db.begin().await.unwrap();
    store::petitions::ensure_general_types(&mut tx, Some(s.ids.team), store::now())
        .await
        .unwrap();
    let f = fixture::evening(
        &mut tx,
        s.ids.team,
        opens(),
        state,
        &[
            Wanted {
                name: "홍길동",
                phone: "010-1111-2222",
                slot: 0,
                account_id: Some(resident),
            },
            Wanted {
                name: "이여권",
                phone: "010-3333-4444",
                slot: 1,
                account_id: None,
            },
            Wanted {
                name: "최불참",
                phone: "010-5555-6666",
                slot: 2,
                account_id: None,
            },
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    s.state.db.clock().set(opens());
    f
}

store::backend_tests! {
    #[tokio::test]
    async fn the_counter_per_role(backend) {
        let s = start_unlimited(backend).await;
        let f = seed(&s, "confirmed").await;
        let e = f.evening_id;
        let base = format!("/api/v1/after-hours/evenings/{e}");
        let code = f.bookings[0].code.clone();

        // Who may work the counter: the running department's official and the supervisor.
        for (user, want) in [("kim", 200), ("sup", 200), ("lee", 403), ("resident", 403), ("admin", 403)] {
            let a = api(&s, user).await;
            let (st, body) = a.get(&format!("{base}/waiting")).await;
            assert_eq!(st, want, "{user} reads the waiting list: {body}");
            let (st, _) = a.post(&format!("{base}/walk-ins"), json!({"service_id": f.services[1]})).await;
            assert_eq!(st, want, "{user} issues a walk-in");
            let (st, _) = a.get(&format!("{base}/check-in?q=홍")).await;
            assert_eq!(st, want, "{user} searches bookings");
        }
        // The screen: any staff member; never a resident.
        for (user, want) in [("kim", 200), ("lee", 200), ("admin", 200), ("resident", 403)] {
            let (st, _) = api(&s, user).await.get(&format!("{base}/screen")).await;
            assert_eq!(st, want, "{user} reads the screen");
        }
        let kim = api(&s, "kim").await;

        // Check-in by code within the window: a booked ticket, ahead of the two walk-ins.
        let (st, c) = kim.post(&format!("{base}/check-in"), json!({"code": code})).await;
        assert_eq!(st, 200, "{c}");
        assert_eq!((c["ticket"]["kind"].as_str(), c["minutes_outside"].as_i64()), (Some("booked"), Some(0)));
        assert_eq!(c["ticket"]["number"], 3);
        // 이여권 (18:30) arrives at 18:45: outside the window, late, with the reason.
        s.state.db.clock().set(opens() + Duration::minutes(45));
        let (st, late) = kim.post(&format!("{base}/check-in"), json!({"booking_id": f.bookings[1].id})).await;
        assert_eq!(st, 200, "{late}");
        assert_eq!((late["ticket"]["kind"].as_str(), late["minutes_outside"].as_i64()), (Some("late"), Some(5)));
        assert!(late["reason_ko"].as_str().unwrap().contains("5분"));
        let (_, w) = kim.get(&format!("{base}/waiting")).await;
        let order: Vec<i64> = w["waiting"].as_array().unwrap().iter().map(|t| t["number"].as_i64().unwrap()).collect();
        assert_eq!(order, vec![3, 1, 2, 4]);

        // Bad input: clear bilingual answers, nothing written.
        for (body, want) in [
            (json!({"code": "NOSUCH"}), "booking_unknown"),
            (json!({"code": code}), "already_checked_in"),
            (json!({}), "code_missing"),
        ] {
            let (st, b) = kim.post(&format!("{base}/check-in"), body).await;
            assert_eq!((st, b["code"].as_str()), (400, Some(want)), "{b}");
            bilingual(&b);
        }
        let (st, b) = kim.post(&format!("{base}/walk-ins"), json!({"service_id": 999_999})).await;
        assert_eq!((st, b["code"].as_str()), (400, Some("service_unknown")));
        let (_, w2) = kim.get(&format!("{base}/waiting")).await;
        assert_eq!(w2["waiting"].as_array().unwrap().len(), 4);

        // Calling takes the first in order; the supervisor calls the next to counter 2.
        let (st, t) = kim.post(&format!("{base}/call-next"), json!({"counter": 1})).await;
        assert_eq!((st, t["number"].as_i64(), t["counter"].as_i64()), (200, Some(3), Some(1)));
        let (_, t2) = api(&s, "sup").await.post(&format!("{base}/call-next"), json!({"counter": 2})).await;
        assert_eq!(t2["number"], 1);
        let (st, b) = api(&s, "lee").await.post(&format!("{base}/call-next"), json!({"counter": 3})).await;
        assert_eq!(st, 403, "{b}");
        let tid = t2["id"].as_i64().unwrap();
        let (st, done) = kim.post(&format!("{base}/tickets/{tid}/outcome"), json!({"outcome": "served"})).await;
        assert_eq!((st, done["outcome"].as_str()), (200, Some("served")));
        let (st, again) = kim.post(&format!("{base}/tickets/{tid}/outcome"), json!({"outcome": "left"})).await;
        assert_eq!((st, again["code"].as_str()), (400, Some("ticket_done")));
        let (st, bad) = kim.post(&format!("{base}/tickets/{tid}/outcome"), json!({"outcome": "maybe"})).await;
        assert_eq!((st, bad["code"].as_str()), (400, Some("outcome_invalid")));

        // The screen as data: numbers and counters, no names or phones.
        let (_, screen) = kim.get(&format!("{base}/screen")).await;
        assert_eq!(screen["called"][0]["number"], 1);
        assert_eq!(screen["next"], json!([2, 4]));
        let text = screen.to_string();
        for personal in ["홍길동", "이여권", "최불참", "010", "name", "phone"] {
            assert!(!text.contains(personal), "{text}");
        }

        // Closing waits for open tickets, then marks the booking nobody came for a no-show.
        let (st, open) = kim.post(&format!("{base}/close"), json!({})).await;
        assert_eq!((st, open["code"].as_str()), (400, Some("tickets_open")));
        for _ in 0..2 {
            let (_, t) = kim.post(&format!("{base}/call-next"), json!({"counter": 1})).await;
            let id = t["id"].as_i64().unwrap();
            kim.post(&format!("{base}/tickets/{id}/outcome"), json!({"outcome": "no_show"})).await;
        }
        let (st, empty) = kim.post(&format!("{base}/call-next"), json!({"counter": 1})).await;
        assert_eq!((st, empty["code"].as_str()), (400, Some("nobody_waiting")));
        let first = t["id"].as_i64().unwrap();
        kim.post(&format!("{base}/tickets/{first}/outcome"), json!({"outcome": "served"})).await;
        let (st, closed) = kim.post(&format!("{base}/close"), json!({})).await;
        assert_eq!(st, 200, "{closed}");
        assert_eq!((closed["evening"]["state"].as_str(), closed["no_shows"].as_i64()), (Some("closed"), Some(1)));
        let (st, b) = kim.post(&format!("{base}/walk-ins"), json!({"service_id": f.services[0]})).await;
        assert_eq!((st, b["code"].as_str()), (400, Some("evening_closed")));
    }

    #[tokio::test]
    async fn the_counter_pages_and_the_petition_in_one_step(backend) {
        let s = start_unlimited(backend).await;
        let f = seed(&s, "confirmed").await;
        let e = f.evening_id;
        let counter = format!("/after-hours/evenings/{e}/counter");
        let kim = browser(&s, "kim").await;

        // The desk lists tonight with its bookings; the menu offers it to kim, not to lee.
        let (st, desk, _) = kim.get("/after-hours/desk").await;
        assert_eq!(st, 200);
        assert!(desk.contains(&format!("evening-{e}")) && desk.contains("여권 신청"), "{desk}");
        assert!(desk.contains("href=\"/after-hours/desk\""));
        let lee = browser(&s, "lee").await;
        let (st, _, _) = lee.get(&counter).await;
        assert_eq!(st, 403);
        // lee's own department runs no evening: his desk lists none of kim's.
        let (st, lee_desk, _) = lee.get("/after-hours/desk").await;
        assert_eq!(st, 200);
        assert!(!lee_desk.contains(&format!("evening-{e}")) && lee_desk.contains("id=\"no-evenings\""));

        // A wrong code: the error beside the field, the code kept, nothing issued.
        let (st, page, _) = kim.post(&format!("{counter}/check-in"), &[("code", "WRONG-1")]).await;
        assert_eq!(st, 422);
        assert!(page.contains("id=\"checkin-code-error\"") && page.contains("value=\"WRONG-1\""), "{page}");
        assert!(page.contains("aria-invalid=\"true\""));
        // Found by name, checked in from the list.
        let (_, found, _) = kim.get(&format!("{counter}?q=홍길")).await;
        assert!(found.contains(&format!("booking-{}", f.bookings[0].id)) && found.contains("010-****-2222"), "{found}");
        let bid = f.bookings[0].id.to_string();
        let (st, page, _) = kim.post(&format!("{counter}/check-in"), &[("booking_id", bid.as_str())]).await;
        assert_eq!(st, 200);
        assert!(page.contains("홍길동님 도착 확인: 번호표 1번"), "{page}");
        // 최불참's 19:00 slot: not passed at 18:00; at 19:30 the search says the window passed.
        let (_, found, _) = kim.get(&format!("{counter}?q=최불")).await;
        assert!(!found.contains("도착 시간 지남"));
        s.state.db.clock().set(opens() + Duration::minutes(90));
        let (_, found, _) = kim.get(&format!("{counter}?q=최불")).await;
        assert!(found.contains("예약 확정 · 도착 시간 지남"), "{found}");
        s.state.db.clock().set(opens());
        // A walk-in without a service: told beside the select, the name kept.
        let (st, page, _) = kim.post(&format!("{counter}/walk-in"), &[("name", "박현장"), ("service_id", "")]).await;
        assert_eq!(st, 422);
        assert!(page.contains("id=\"walkin-error\"") && page.contains("value=\"박현장\""));
        let svc = f.services[1].to_string();
        let (st, page, _) = kim.post(&format!("{counter}/walk-in"), &[("name", "박현장"), ("service_id", svc.as_str())]).await;
        assert_eq!(st, 200);
        assert!(page.contains("현장 방문 번호표 2번을 발급했습니다."));
        // English.
        let (st, en, _) = kim.get(&format!("{counter}?lang=en")).await;
        assert_eq!(st, 200);
        assert!(en.contains("Waiting list") && en.contains("Walk-in ticket"));
        let (_, page, _) = kim.post(&format!("{counter}/call"), &[("counter", "2")]).await;
        assert!(page.contains("1번 (홍길동)을 2번 창구로 호출했습니다."), "{page}");

        // The screen page: the number and counter, no name.
        let (st, screen, _) = kim.get(&format!("/after-hours/evenings/{e}/screen")).await;
        assert_eq!(st, 200);
        assert!(screen.contains("id=\"now-number\">1<") && screen.contains("aria-live"));
        assert!(!screen.contains("홍길동") && !screen.contains("박현장"));
        // It hangs in the waiting room: no menu, no staff name or panic button, no colleague's
        // live panic alert.
        for staff_only in ["/protection/panic", "mw-live-alerts", "mw-who", "mw-nav"] {
            assert!(!screen.contains(staff_only), "{staff_only} on the room's screen");
        }

        // The petition in one step, prefilled from the booking.
        let path = format!("/after-hours/evenings/{e}/bookings/{bid}/petition");
        let (st, form, _) = kim.get(&path).await;
        assert_eq!(st, 200);
        assert!(form.contains("value=\"홍길동\"") && form.contains("[야간 민원실] 여권 신청"), "{form}");
        let type_id = store::petitions::get_type_by_code(&s.state.db, "other").await.unwrap().id.to_string();
        // Without a title: the error beside it, the rest kept.
        let fields = |title: &'static str| vec![
            ("type_id", type_id.clone()), ("name", "홍길동".to_string()), ("phone", "010-1111-2222".to_string()),
            ("title", title.to_string()), ("body", "야간에 여권 발급을 신청합니다.".to_string()), ("identity_check", "id_card".to_string()),
        ];
        let owned = fields("");
        let bad: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (st, page, _) = kim.post(&path, &bad).await;
        assert_eq!(st, 422, "{page}");
        assert!(page.contains("id=\"p-title-error\"") && page.contains("야간에 여권 발급을 신청합니다."));
        assert_eq!(petition_count(&s).await, 0);
        let owned = fields("[야간 민원실] 여권 발급 신청");
        let good: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (st, page, _) = kim.post(&path, &good).await;
        assert_eq!(st, 200, "{page}");
        assert!(page.contains("id=\"receipt-no\"") && page.contains("id=\"tracking-code\""), "{page}");
        let (pid, channel, owner): (i64, String, Option<i64>) = fetch_one!(
            &s.state.db, _, "SELECT id, channel, petitioner_account_id FROM petitions"
        ).unwrap();
        assert_eq!((channel.as_str(), owner), ("counter", Some(resident_id(&s).await)));
        let (state, petition): (String, Option<i64>) = fetch_one!(
            &s.state.db, _, "SELECT state, petition_id FROM after_hours_bookings WHERE id = $1", f.bookings[0].id
        ).unwrap();
        assert_eq!((state.as_str(), petition), ("served", Some(pid)));
        let (n,): (i64,) = fetch_one!(
            &s.state.db, _, "SELECT COUNT(*) FROM audit_log WHERE action = 'petition.create' AND reason = $1",
            format!("after_hours_booking:{bid}")
        ).unwrap();
        assert_eq!(n, 1);
        // Filing twice is refused.
        let (st, _, _) = kim.get(&path).await;
        assert_eq!(st, 400);
        // The resident finds it among their petitions.
        let resident = browser(&s, "resident").await;
        let (st, mine, _) = resident.get("/my").await;
        assert_eq!(st, 200);
        assert!(mine.contains("[야간 민원실] 여권 발급 신청"), "{mine}");
    }
}
