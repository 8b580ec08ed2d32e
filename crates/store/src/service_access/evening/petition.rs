//! The petition filed from a booking in one step (예약 → 민원 접수): the counter filing of the
//! petitions capability (channel `Counter`, every petition rule applies), and in the same
//! transaction the booking served with its petition, and its ticket done.

use super::{Booking, bad, booking, lock_running, ts};
use crate::petitions::{self, Checked, Filed, NewPetition, Petitioner};
use crate::{Result, Tx, execute, execute_one};
use calendar::WorkCalendar;
use chrono::{DateTime, Utc};
use domain::AccountId;
use domain::petitions::Channel;
use domain::petitions::intake::IntakeRecord;

/// What the official confirms on the petition form, prefilled from the booking.
#[derive(Debug, Clone, Default)]
pub struct FromBooking {
    pub type_id: i64,
    pub name: String,
    pub phone: String,
    pub title: String,
    pub body: String,
    pub intake: IntakeRecord,
}

/// The counter petition for a booking: the resident's own account when they booked signed in,
/// so the petition is theirs in "my petitions".
pub fn new_petition(b: &Booking, input: FromBooking) -> NewPetition {
    NewPetition {
        type_id: input.type_id,
        channel: Channel::Counter,
        anonymous: false,
        petitioner_account_id: b.account_id,
        petitioner: Petitioner {
            name: input.name,
            phone: input.phone,
            ..Petitioner::default()
        },
        title: input.title,
        body: input.body,
        location: String::new(),
        extra: serde_json::Map::new(),
        idempotency_key: None,
        department_id: None,
        intake: input.intake,
    }
}

/// Whether a booking may become a petition: checked in at this evening, none filed yet.
pub fn may_file(b: &Booking, evening_id: i64) -> Result<()> {
    if b.evening_id != evening_id {
        return Err(bad(
            "booking_other_evening",
            "다른 날의 예약입니다",
            "this booking is for another evening",
        ));
    }
    if b.petition_id.is_some() {
        return Err(bad(
            "petition_filed",
            "이 예약으로 이미 민원을 접수했습니다",
            "a petition was already filed from this booking",
        ));
    }
    if b.state != "checked_in" {
        return Err(bad(
            "booking_not_checked_in",
            "도착 확인된 예약만 민원으로 접수합니다",
            "only a checked-in booking becomes a petition",
        ));
    }
    Ok(())
}

/// File the checked petition and close the booking and its ticket, all in `tx`.
pub async fn file_from_booking(
    tx: &mut Tx,
    evening_id: i64,
    booking_id: i64,
    checked: &Checked,
    actor: AccountId,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Filed> {
    lock_running(tx, evening_id).await?;
    let b = booking(&mut *tx, booking_id).await?;
    may_file(&b, evening_id)?;
    let filed = petitions::file(tx, checked, Some(actor), cal, now).await?;
    execute_one!(
        &mut *tx,
        "UPDATE after_hours_bookings SET state = 'served', served_at = $1, updated_at = $1, petition_id = $2 \
         WHERE id = $3 AND state = 'checked_in'",
        ts(now),
        filed.petition.id,
        booking_id
    )?;
    execute!(
        &mut *tx,
        "UPDATE after_hours_tickets SET done_at = $1, outcome = 'served', called_at = COALESCE(called_at, $1) \
         WHERE booking_id = $2 AND done_at IS NULL",
        ts(now),
        booking_id
    )?;
    Ok(filed)
}
