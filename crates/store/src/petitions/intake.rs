//! Intake (접수): screening, the checks made before the write lock, and filing in one transaction.

use super::*;
use crate::{fetch_all, fetch_one, fetch_optional};

/// The abuse screening stored with each petition, and the routing suggestion made with it:
/// both are CPU work done before the filing transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningRecord {
    pub abusive: bool,
    pub score: f64,
    pub kinds: Vec<String>,
    pub model_version: String,
    pub routing: Option<crate::petitions::suggestions::RoutingGuess>,
}

/// The shipped abuse model (models/abuse-ko.bin), loaded once.
pub fn abuse_model() -> Option<&'static text::AbuseModel> {
    static MODEL: OnceLock<Option<text::AbuseModel>> = OnceLock::new();
    static BYTES: &[u8] = include_bytes!("../../../../models/abuse-ko.bin");
    MODEL
        .get_or_init(|| match text::AbuseModel::from_bytes(BYTES) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::error!(error = %e, "abuse model unreadable; screening disabled");
                None
            }
        })
        .as_ref()
}

/// Screen a petition's title and body with the text crate's abuse screening, and ask the
/// office's routing model (when there is one) for a department.
pub fn screen(title: &str, body: &str) -> ScreeningRecord {
    let routing = crate::petitions::suggestions::guess(title, body);
    match abuse_model() {
        Some(m) => {
            let s = m.screen(&format!("{title}\n{body}"));
            ScreeningRecord {
                abusive: s.abusive,
                score: f64::from(s.score),
                kinds: s
                    .kinds
                    .iter()
                    .map(|k| format!("{k:?}").to_lowercase())
                    .collect(),
                model_version: s.model_version,
                routing,
            }
        }
        None => ScreeningRecord {
            abusive: false,
            score: 0.0,
            kinds: vec![],
            model_version: "unavailable".into(),
            routing,
        },
    }
}

/// Limits of free text at intake.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;

pub(super) fn bad(code: &'static str, ko: &str, en: &str) -> StoreError {
    StoreError::Rule(RuleError::new(code, ko, en))
}

pub(super) fn normal_rrn(rrn: &str) -> Result<String> {
    let digits: String = rrn.chars().filter(char::is_ascii_digit).collect();
    let only_digits_and_dash = rrn.trim().chars().all(|c| c.is_ascii_digit() || c == '-');
    if digits.len() != 13 || !only_digits_and_dash {
        return Err(bad(
            "bad_resident_number",
            "주민등록번호 형식이 올바르지 않습니다 (13자리)",
            "a resident registration number has 13 digits",
        ));
    }
    Ok(format!("{}-{}", &digits[..6], &digits[6..]))
}

/// Who the petitioner is, hashed: the account when known, else name and phone digits.
pub(super) fn petitioner_key(new: &NewPetition) -> String {
    let id = match new.petitioner_account_id {
        Some(a) => format!("account:{a}"),
        None => {
            let digits: String = new
                .petitioner
                .phone
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            format!("person:{}:{digits}", new.petitioner.name.trim())
        }
    };
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// Texts at least this similar (character 3-gram Jaccard) are "the same content".
pub const REPEAT_SIMILARITY: f32 = 0.6;

/// Result of [`file`].
#[derive(Debug, Clone)]
pub struct Filed {
    pub petition: Petition,
    /// `true` when an earlier submission with the same idempotency key was returned.
    pub replayed: bool,
    /// The random tracking code (`crate::petitions::tracking`), given this once; `None` when replayed
    /// (only its hash is stored).
    pub tracking_code: Option<String>,
}

/// A petition checked before its filing transaction: its type, fields and resident registration
/// number validated, the repeat check made, the screening attached. Checking reads through the
/// pool, so a refused petition never waits for the write lock and the filing transaction only
/// writes. (A type closed or a petition filed between check and filing is not seen: both are
/// as if the petition had come a moment earlier.)
#[derive(Debug, Clone)]
pub struct Checked {
    new: NewPetition,
    title: String,
    body: String,
    kind: Kind,
    period: Period,
    rrn_encrypted: Option<String>,
    extra: serde_json::Map<String, serde_json::Value>,
    intake: IntakeRecord,
    department_id: DepartmentId,
    petitioner_key: String,
    repeat: Option<RepeatInfo>,
    screening: ScreeningRecord,
}

impl Checked {
    pub fn petition(&self) -> &NewPetition {
        &self.new
    }
}

/// Check a petition to file (see [`Checked`]). Bad input is refused here with a clear error.
pub async fn check(
    db: &Db,
    new: NewPetition,
    key: &PiiKey,
    screening: ScreeningRecord,
) -> Result<Checked> {
    let ptype = get_type_kept(db, new.type_id).await.map_err(|e| match e {
        StoreError::NotFound => bad(
            "unknown_type",
            "알 수 없는 민원 종류입니다",
            "unknown petition type",
        ),
        e => e,
    })?;
    if !ptype.active {
        return Err(bad(
            "type_inactive",
            "지금은 받지 않는 민원 종류입니다",
            "this petition type is not open",
        ));
    }
    let title = new.title.trim();
    let body = new.body.trim();
    if title.is_empty() || body.is_empty() {
        return Err(bad(
            "missing_field",
            "제목과 내용을 입력해 주세요",
            "title and body are required",
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS || body.chars().count() > MAX_BODY_CHARS {
        return Err(bad(
            "too_long",
            "제목은 200자, 내용은 20,000자까지입니다",
            "title up to 200 and body up to 20,000 characters",
        ));
    }
    let p = &new.petitioner;
    let has_contact = !p.phone.trim().is_empty()
        || !p.email.trim().is_empty()
        || !p.address.trim().is_empty()
        || new.petitioner_account_id.is_some();
    if !new.anonymous && (p.name.trim().is_empty() || !has_contact) {
        return Err(bad(
            "missing_field",
            "이름과 연락처가 필요합니다. 익명 신고로 접수하려면 anonymous를 선택하세요",
            "a name and a contact are required (Act art. 2); file as an anonymous report otherwise",
        ));
    }
    if new.anonymous && ptype.kind == Kind::Statutory {
        return Err(bad(
            "anonymous_not_allowed",
            "법정민원은 익명으로 신청할 수 없습니다",
            "a statutory petition cannot be anonymous",
        ));
    }
    let rrn_encrypted = match (&p.resident_number, ptype.requires_rrn) {
        (Some(r), true) if !r.trim().is_empty() => Some(key.encrypt(&normal_rrn(r)?)?),
        (_, true) => {
            return Err(bad(
                "missing_field",
                "이 민원은 주민등록번호가 필요합니다",
                "this petition type requires a resident registration number",
            ));
        }
        (Some(r), false) if !r.trim().is_empty() => {
            return Err(bad(
                "rrn_not_allowed",
                "이 민원에는 주민등록번호를 받지 않습니다",
                "this petition type does not collect resident registration numbers",
            ));
        }
        _ => None,
    };
    let extra = validate_values(&ptype.fields, &new.extra)?;
    let intake =
        domain::petitions::intake::check(new.channel, &new.intake, &ptype.required_documents)
            .map_err(|(_, e)| StoreError::Rule(e))?;
    let department_id = new.department_id.or(ptype.department_id).ok_or_else(|| {
        bad(
            "no_department",
            "이 민원 종류에는 처리 부서가 정해지지 않았습니다. 관리자에게 문의하세요",
            "this petition type has no handling department yet; ask an administrator",
        )
    })?;

    // Repeated petitions (Act art. 23): same petitioner, same content.
    let petitioner_key = petitioner_key(&new);
    // A temporary access restriction covering online filing (Decree art. 4) answers online
    // channels with its notice; counter and phone filings are shown to the official instead.
    if !new.anonymous && matches!(new.channel, Channel::Web | Channel::Api | Channel::Open311) {
        crate::protection::restriction_refusal(
            db,
            &petitioner_key,
            domain::protection::RestrictionCover::Online,
            crate::now(),
        )
        .await?;
    }
    let repeat = if new.anonymous {
        None
    } else {
        find_repeats(db, &petitioner_key, title, body).await?
    };
    Ok(Checked {
        title: title.to_string(),
        body: body.to_string(),
        kind: ptype.kind,
        period: ptype.period,
        rrn_encrypted,
        extra,
        intake,
        department_id,
        petitioner_key,
        repeat,
        screening,
        new,
    })
}

/// File a checked petition. Online channels arrive and wait for receipt; counter, phone and
/// mail are received at once. A refusal changes nothing.
pub async fn file(
    tx: &mut Tx,
    checked: &Checked,
    actor: Option<AccountId>,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<Filed> {
    let Checked {
        new,
        title,
        body,
        kind,
        period,
        rrn_encrypted,
        extra,
        intake,
        department_id,
        petitioner_key: pkey,
        repeat,
        screening,
    } = checked;
    let (p, department_id) = (&new.petitioner, *department_id);
    // SQLite holds the write lock already: every write transaction begins IMMEDIATE (Db::begin).
    let idem = new
        .idempotency_key
        .as_ref()
        .map(|k| format!("{}:{}", actor.map(|a| a.to_string()).unwrap_or_default(), k));
    if let Some(k) = &idem {
        if k.len() > 300 {
            return Err(bad(
                "bad_idempotency_key",
                "Idempotency-Key가 너무 깁니다",
                "the Idempotency-Key is too long",
            ));
        }
        if let Some(existing) = find_by_idempotency(tx, k).await? {
            return Ok(Filed {
                petition: existing,
                replayed: true,
                tracking_code: None,
            });
        }
    }
    let receipt_due = if new.channel.is_online() {
        Some(
            calendar::deadline(
                cal,
                &DeadlineInput::new(now, Period::Hours(domain::petitions::RECEIPT_WITHIN_HOURS)),
                now,
            )
            .map_err(deadline_error)?,
        )
    } else {
        None
    };
    let filed = Event::Filed {
        kind: *kind,
        channel: new.channel,
        anonymous: new.anonymous,
        department_id,
        period: Some(*period),
        receipt_due,
        repeat: repeat.clone(),
        flagged: screening.abusive,
    };
    // The petition's state after its first events is computed here and written once.
    let mut current = Derived::filed(&filed, now)?;
    let mut entries = vec![(
        i64::from(current.events),
        TimelineEntry {
            at: now,
            actor,
            event: filed,
        },
    )];
    if !new.channel.is_online() {
        // Entered by staff: received at once.
        let received = Event::Received {
            receipt_no: String::new(),
        };
        let (next, received) = advance(tx, &current, received, cal, now).await?;
        current = next;
        entries.push((
            i64::from(current.events),
            TimelineEntry {
                at: now,
                actor,
                event: received,
            },
        ));
    }
    let row = RowState::of(tx, &current, cal, now).await?;
    let sql = format!(
        "INSERT INTO petitions (type_id, channel, anonymous, petitioner_account_id, petitioner_key, \
        petitioner_name, petitioner_phone, petitioner_email, petitioner_address, rrn_encrypted, title, body, \
        location, extra, abuse_abusive, abuse_score, abuse_kinds, abuse_model, idempotency_key, derived, state, \
        department_id, assignee_id, arrived_at, received_at, receipt_no, flagged, repeat_proposed, due_at, \
        event_count, change_seq, created_at, updated_at, intake, petitioner_masked) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
        $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $24, $24, $32, $33) RETURNING {PETITION_COLUMNS}"
    );
    let kinds = to_json(&screening.kinds)?;
    let extra_json = to_json(&extra)?;
    let intake_json = to_json(intake)?;
    let inserted = fetch_one!(
        tx,
        PetitionRow,
        sqlx::AssertSqlSafe(sql),
        new.type_id,
        new.channel.as_str(),
        new.anonymous,
        new.petitioner_account_id,
        pkey,
        p.name.trim(),
        p.phone.trim(),
        p.email.trim(),
        p.address.trim(),
        rrn_encrypted,
        title,
        body,
        new.location.trim(),
        &extra_json,
        screening.abusive,
        screening.score,
        &kinds,
        &screening.model_version,
        &idem,
        &row.derived,
        current.state.as_str(),
        current.department_id,
        current.assignee_id,
        now,
        current.received_at,
        &current.receipt_no,
        current.flagged,
        row.repeat_proposed,
        row.due,
        i64::from(current.events),
        row.change_seq,
        &intake_json,
        domain::privacy::mask(domain::privacy::PersonalKind::Name, &p.name)
    );
    let petition = inserted
        .map_err(|e| {
            conflict_on_unique(
                e,
                domain::Bilingual::new(
                    "같은 Idempotency-Key로 동시에 제출되었습니다. 다시 시도해 주세요",
                    "a submission with this Idempotency-Key is in flight; retry",
                ),
            )
        })?
        .into_petition()?;
    let entries: Vec<_> = entries
        .iter()
        .map(|(seq, e)| (petition.id, *seq, e))
        .collect();
    insert_events(tx, &entries)?;
    crate::petitions::suggestions::record_at_intake(
        tx,
        petition.id,
        screening.routing.as_ref(),
        now,
    )
    .await?;
    // Every petition gets a random tracking code, shown once: on the receipt and in this notice.
    let code = crate::petitions::tracking::issue(tx, petition.id, now).await?;
    let number = petition
        .receipt_no
        .clone()
        .unwrap_or_else(|| petition.id.to_string());
    notify_petitioner(
        tx,
        &petition,
        "민원 신청을 받았습니다 (your petition was received)",
        &format!(
            "조회 번호 (number): {number}\n조회 코드 (tracking code): {code}\n\
             처리 상황은 민원 처리 조회 화면에서 이 번호와 코드로 볼 수 있습니다 \
             (track it on the tracking page with this number and code)."
        ),
        now,
    )
    .await?;
    Ok(Filed {
        petition,
        replayed: false,
        tracking_code: Some(code),
    })
}

pub(super) async fn find_by_idempotency(tx: &mut Tx, key: &str) -> Result<Option<Petition>> {
    let sql = format!("SELECT {PETITION_COLUMNS} FROM petitions WHERE idempotency_key = $1");
    let row = fetch_optional!(tx, PetitionRow, sqlx::AssertSqlSafe(sql), key)?;
    row.map(PetitionRow::into_petition).transpose()
}

/// Earlier petitions of the same petitioner whose text is the same in substance.
pub(super) async fn find_repeats(
    db: &Db,
    petitioner_key: &str,
    title: &str,
    body: &str,
) -> Result<Option<RepeatInfo>> {
    let rows: Vec<(i64, String, String, String)> = fetch_all!(
        db,
        _,
        "SELECT id, title, body, derived FROM petitions WHERE petitioner_key = $1 ORDER BY id DESC LIMIT 50",
        petitioner_key
    )?;
    let text = format!("{title}\n{body}");
    let mut info = RepeatInfo {
        earlier: vec![],
        results_notified: 0,
    };
    for (id, t, b, derived) in rows {
        if text::similar::similarity(&text, &format!("{t}\n{b}")) >= REPEAT_SIMILARITY {
            let d: Derived = from_json(&derived)?;
            info.earlier.push(id);
            if d.results_notified > 0 {
                info.results_notified += 1;
            }
        }
    }
    Ok((!info.earlier.is_empty()).then_some(info))
}

/// Append timeline entries `(petition, sequence number, entry)`; they are written at the commit.
pub(crate) fn insert_events(tx: &mut Tx, entries: &[(i64, i64, &TimelineEntry)]) -> Result<()> {
    let rows = entries
        .iter()
        .map(|(petition_id, seq, e)| {
            Ok(crate::kit::pending::EventRow {
                petition_id: *petition_id,
                seq: *seq,
                at: e.at,
                actor_id: e.actor,
                kind: e.event.name(),
                data: to_json(&e.event)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    tx.append_events(rows);
    Ok(())
}
