//! Where panic alerts come from (비상벨 위치): each official's standing place (a setting per
//! account) and the place chosen after the day's first press, which later presses that day reuse.

use super::*;
use crate::{execute, fetch_all, fetch_optional, kit::ByKey};

/// An account's places; blank when never set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertPlace {
    pub standing: String,
    pub chosen: String,
    /// The Korean date the place was chosen (`YYYY-MM-DD`).
    pub chosen_on: String,
}

impl AlertPlace {
    /// Where a press on `today` comes from: the standing place, else today's choice; blank when
    /// neither is known (the confirmation page then asks).
    pub fn for_today(&self, today: NaiveDate) -> &str {
        if !self.standing.is_empty() {
            &self.standing
        } else if self.chosen_on == today.to_string() {
            &self.chosen
        } else {
            ""
        }
    }
}

/// A place as typed: trimmed, at most [`rules::MAX_SHORT_CHARS`] characters.
fn place_text(place: &str) -> Result<String> {
    let place = place.trim();
    if place.chars().count() > rules::MAX_SHORT_CHARS {
        return Err(bad(
            "place_too_long",
            "장소는 200자까지입니다",
            "the place may be at most 200 characters",
        ));
    }
    Ok(place.to_string())
}

pub async fn alert_place(db: &Db, account: AccountId) -> Result<AlertPlace> {
    let row: Option<(String, String, String)> = fetch_optional!(
        db,
        _,
        "SELECT standing, chosen, chosen_on FROM protection_alert_places WHERE account_id = $1",
        account
    )?;
    Ok(row
        .map(|(standing, chosen, chosen_on)| AlertPlace {
            standing,
            chosen,
            chosen_on,
        })
        .unwrap_or_default())
}

/// Set (or, blank, clear) an account's standing place.
pub async fn set_standing_place(tx: &mut Tx, account: AccountId, place: &str) -> Result<String> {
    let place = place_text(place)?;
    execute!(
        tx,
        "INSERT INTO protection_alert_places (account_id, standing) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO UPDATE SET standing = excluded.standing",
        account,
        &place
    )?;
    Ok(place)
}

/// The one who pressed says where they are: the alert (and its incident, unless someone already
/// wrote another place there) take the place, the account keeps it for the rest of `today`, and
/// the other app servers are told so their screens show it.
pub async fn place_alert(
    tx: &mut Tx,
    alert_id: i64,
    by: AccountId,
    place: &str,
    today: NaiveDate,
) -> Result<Alert> {
    let place = place_text(place)?;
    if place.is_empty() {
        return Err(bad(
            "place_required",
            "지금 있는 곳(창구나 상담실)을 적어 주세요",
            "say where you are (your counter or room)",
        ));
    }
    let sql = format!(
        "UPDATE protection_alerts SET place = $3 WHERE id = $1 AND raised_by = $2 \
         RETURNING {ALERT_COLUMNS}"
    );
    let before = super::get_alert_tx(tx, alert_id).await?;
    let alert = fetch_optional!(tx, Alert, sqlx::AssertSqlSafe(sql), alert_id, by, &place)?
        .or_not_found()?;
    execute!(
        tx,
        "UPDATE protection_incidents SET place = $2 WHERE id = $1 AND place = $3",
        alert.incident_id,
        &place,
        &before.place
    )?;
    execute!(
        tx,
        "INSERT INTO protection_alert_places (account_id, chosen, chosen_on) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET chosen = excluded.chosen, chosen_on = excluded.chosen_on",
        by,
        &place,
        today.to_string()
    )?;
    notify_alert(tx, alert_id).await?;
    Ok(alert)
}

/// Places officials have set or chosen, for the suggestions beside the place field.
pub async fn known_places(db: &Db) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = fetch_all!(
        db,
        _,
        "SELECT standing FROM protection_alert_places WHERE standing <> '' \
         UNION SELECT chosen FROM protection_alert_places WHERE chosen <> '' ORDER BY 1 LIMIT 50"
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
