//! Words the evening's pages share: services, ticket kinds, outcomes, times.

use crate::kit::page::Lang;
use chrono::{DateTime, Utc};
use domain::service_access::booking::{BookingState, ServiceKind};
use domain::service_access::evening::{EveningState, Outcome, TicketKind};
use store::service_access::evening::{Booking, Evening, Ticket};

/// A service's name by its kind (the booking part's kinds; an unknown kind shows its code).
pub fn service_name(lang: Lang, kind: &str) -> String {
    match ServiceKind::parse(kind) {
        Ok(k) => lang.t(k.korean(), k.english()).to_string(),
        Err(_) => kind.to_string(),
    }
}

pub fn kind_name(lang: Lang, k: TicketKind) -> &'static str {
    lang.t(k.korean(), k.english())
}

pub fn outcome_name(lang: Lang, o: Outcome) -> &'static str {
    lang.t(o.korean(), o.english())
}

pub fn state_name(lang: Lang, s: EveningState) -> &'static str {
    lang.t(s.korean(), s.english())
}

/// A time of the evening as people read it: 18:40 (Korean time).
pub fn hm(t: DateTime<Utc>) -> String {
    calendar::to_seoul(t).format("%H:%M").to_string()
}

pub fn schedule_name(lang: Lang, e: &Evening) -> String {
    match lang {
        Lang::En if !e.schedule_name_en.is_empty() => e.schedule_name_en.clone(),
        _ => e.schedule_name.clone(),
    }
}

pub fn place(lang: Lang, e: &Evening) -> String {
    match lang {
        Lang::En if !e.place_en.is_empty() => e.place_en.clone(),
        _ => e.place.clone(),
    }
}

/// "2027-01-14 18:00–20:00"
pub fn evening_when(e: &Evening) -> String {
    format!("{} {}–{}", e.day, hm(e.starts_at), hm(e.ends_at))
}

/// One ticket as the counter lists it.
pub struct TicketRow {
    pub id: i64,
    pub number: i64,
    pub kind: String,
    pub booked: bool,
    pub name: String,
    pub service: String,
    pub slot: String,
    pub issued: String,
    pub waited: String,
    pub counter: String,
    pub outcome: String,
    pub booking_id: Option<i64>,
    /// The booking is checked in with no petition yet: the petition can be filed.
    pub may_file: bool,
    pub petition_id: Option<i64>,
}

pub fn ticket_row(lang: Lang, t: &Ticket, now: DateTime<Utc>) -> TicketRow {
    let end = t.called_at.unwrap_or(now);
    let waited = domain::service_access::evening::waited_minutes(t.issued_at, end);
    TicketRow {
        id: t.id,
        number: t.number,
        kind: kind_name(lang, t.kind).to_string(),
        booked: t.kind == TicketKind::Booked,
        name: if t.name.is_empty() {
            lang.t("(이름 없음)", "(no name)").to_string()
        } else {
            t.name.clone()
        },
        service: t
            .service_kind
            .as_deref()
            .map(|k| service_name(lang, k))
            .unwrap_or_default(),
        slot: t.slot_start.map(hm).unwrap_or_default(),
        issued: hm(t.issued_at),
        waited: match lang {
            Lang::Ko => format!("{waited}분"),
            Lang::En => format!("{waited} min"),
        },
        counter: t.counter.map(|c| c.to_string()).unwrap_or_default(),
        outcome: t
            .outcome
            .map(|o| outcome_name(lang, o).to_string())
            .unwrap_or_default(),
        booking_id: t.booking_id,
        may_file: t.booking_state.as_deref() == Some("checked_in") && t.petition_id.is_none(),
        petition_id: t.petition_id,
    }
}

/// One booking as the check-in search lists it (the phone masked).
pub struct BookingRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub phone: String,
    pub service: String,
    pub slot: String,
    pub state: String,
    pub may_check_in: bool,
}

pub fn booking_state_name(lang: Lang, s: &str) -> String {
    match BookingState::parse(s) {
        Ok(b) => lang.t(b.korean(), b.english()).to_string(),
        Err(_) => s.to_string(),
    }
}

/// A booking as the search lists it; a confirmed one whose window has passed says so (it
/// would check in as late, and becomes a no-show at closing).
pub fn booking_row(lang: Lang, b: &Booking, e: &Evening, now: DateTime<Utc>) -> BookingRow {
    let mut state = booking_state_name(lang, &b.state);
    let passed =
        domain::service_access::evening::is_no_show(b.slot_start, e.window.into(), now, false);
    if b.state == "confirmed" && passed {
        state.push_str(lang.t(" · 도착 시간 지남", " · window passed"));
    }
    BookingRow {
        id: b.id,
        code: domain::service_access::booking::show_code(&b.code),
        name: b.name.clone(),
        phone: domain::privacy::mask(domain::privacy::PersonalKind::Phone, &b.phone),
        service: service_name(lang, &b.service_kind),
        slot: hm(b.slot_start),
        state,
        may_check_in: b.state == "confirmed",
    }
}
