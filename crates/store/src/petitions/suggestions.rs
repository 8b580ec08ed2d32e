//! Routing suggestions (민원 분류 제안) made at intake, staff corrections kept as training data,
//! and the log of drafts asked of an external language model.
//!
//! The suggestion comes from the office's own routing model (trained by `minwon train routing
//! --from-db` from its closed petitions; labels are department codes). Without one, intake makes
//! no suggestion: the shipped Blue House model knows 17 national policy categories, not this
//! office's departments, so a hint from it would only be noise on the desk.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use domain::DepartmentId;
use domain::privacy::{PersonalKind, mask_text};

use crate::petitions::Petition;
use crate::{Db, Result, StoreError, Tx, execute, fetch_all, fetch_optional};

/// Corrections count this many times a closed petition when training.
pub const CORRECTION_WEIGHT: f32 = 3.0;

static OFFICE_ROUTER: RwLock<Option<Arc<text::Router>>> = RwLock::new(None);

/// Installs (or removes) the office's routing model used at intake. `minwon serve` loads it
/// from the data directory at start.
pub fn install_router(router: Option<text::Router>) {
    if let Ok(mut slot) = OFFICE_ROUTER.write() {
        *slot = router.map(Arc::new);
    }
}

/// The installed office routing model, if any.
pub fn router() -> Option<Arc<text::Router>> {
    OFFICE_ROUTER.read().ok().and_then(|r| r.clone())
}

/// The text a routing model sees: title and body, as in training.
pub fn routing_text(title: &str, body: &str) -> String {
    format!("{title}\n{body}")
}

/// The petition's title and body with its petitioner's personal data masked (for training data
/// and prompts that leave the office).
pub fn masked_text(p: &Petition) -> String {
    mask_text(
        &routing_text(&p.title, &p.body),
        &[
            (PersonalKind::Name, &p.petitioner_name),
            (PersonalKind::Phone, &p.petitioner_phone),
            (PersonalKind::Email, &p.petitioner_email),
            (PersonalKind::Address, &p.petitioner_address),
        ],
    )
}

/// A stored suggestion.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RoutingSuggestion {
    pub petition_id: i64,
    /// The model's label (a department code).
    pub label: String,
    /// The department with that code, when it exists.
    pub department_id: Option<DepartmentId>,
    pub department_name: Option<String>,
    pub score: f64,
    pub model_version: String,
    pub created_at: DateTime<Utc>,
}

/// What the office's routing model says of one text, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingGuess {
    pub label: String,
    pub score: f32,
    pub model_version: String,
}

/// Ask the office's routing model (CPU work: call it outside transactions). `None` without a
/// model or without an answer.
pub fn guess(title: &str, body: &str) -> Option<RoutingGuess> {
    let router = router()?;
    let s = router.suggest(&routing_text(title, body), 1);
    (!s.category.is_empty()).then_some(RoutingGuess {
        label: s.category,
        score: s.score,
        model_version: s.model_version,
    })
}

/// Store the suggestion made at intake, in the filing transaction.
pub(crate) async fn record_at_intake(
    tx: &mut Tx,
    petition_id: i64,
    guess: Option<&RoutingGuess>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(g) = guess else {
        return Ok(());
    };
    execute!(
        tx,
        "INSERT INTO routing_suggestions (petition_id, label, department_id, score, model_version, created_at) \
         VALUES ($1, $2, (SELECT id FROM departments WHERE code = $2), $3, $4, $5)",
        petition_id,
        &g.label,
        f64::from(g.score),
        &g.model_version,
        now
    )?;
    Ok(())
}

const SUGGESTION_SELECT: &str = "SELECT s.petition_id, s.label, d.id AS department_id, \
    d.name AS department_name, s.score, s.model_version, s.created_at \
    FROM routing_suggestions s LEFT JOIN departments d ON d.code = s.label";

/// The suggestion made for one petition.
pub async fn get(db: &Db, petition_id: i64) -> Result<Option<RoutingSuggestion>> {
    let sql = format!("{SUGGESTION_SELECT} WHERE s.petition_id = $1");
    Ok(fetch_optional!(
        db,
        _,
        sqlx::AssertSqlSafe(sql),
        petition_id
    )?)
}

/// The suggestions for a page of petitions (the staff queue).
pub async fn for_petitions(db: &Db, ids: &[i64]) -> Result<Vec<RoutingSuggestion>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are integers from our own rows: safe to inline, and one query for the whole page.
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!(
        "{SUGGESTION_SELECT} WHERE s.petition_id IN ({})",
        list.join(", ")
    );
    Ok(fetch_all!(db, _, sqlx::AssertSqlSafe(sql))?)
}

async fn suggestion_tx(tx: &mut Tx, petition_id: i64) -> Result<Option<(String, String)>> {
    Ok(fetch_optional!(
        tx,
        _,
        "SELECT label, model_version FROM routing_suggestions WHERE petition_id = $1",
        petition_id
    )?)
}

/// Records that staff routed `p` to `corrected` although the model suggested another
/// department: a training example (masked text, suggested label, corrected department, who,
/// when, model version). Returns whether one was recorded: nothing is recorded when there was
/// no suggestion or the official agreed with it.
pub async fn record_correction(
    tx: &mut Tx,
    p: &Petition,
    corrected: DepartmentId,
    actor: Option<domain::AccountId>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let Some((label, version)) = suggestion_tx(tx, p.id).await? else {
        return Ok(false);
    };
    let code: Option<(String,)> = fetch_optional!(
        tx,
        _,
        "SELECT code FROM departments WHERE id = $1",
        corrected
    )?;
    let Some((code,)) = code else {
        return Err(StoreError::NotFound);
    };
    if code == label {
        return Ok(false);
    }
    execute!(
        tx,
        "INSERT INTO routing_corrections (petition_id, text, suggested_label, corrected_department_id, \
         model_version, actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        p.id,
        masked_text(p),
        &label,
        corrected,
        &version,
        actor,
        now
    )?;
    Ok(true)
}

/// A recorded correction.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Correction {
    pub petition_id: i64,
    pub text: String,
    pub suggested_label: String,
    pub corrected_department_id: DepartmentId,
    pub corrected_code: String,
    pub model_version: String,
    pub actor_id: Option<domain::AccountId>,
    pub created_at: DateTime<Utc>,
}

/// Corrections, oldest first (all of them, or one petition's).
pub async fn corrections(db: &Db, petition_id: Option<i64>) -> Result<Vec<Correction>> {
    let sql = "SELECT c.petition_id, c.text, c.suggested_label, c.corrected_department_id, \
        d.code AS corrected_code, c.model_version, c.actor_id, c.created_at \
        FROM routing_corrections c JOIN departments d ON d.id = c.corrected_department_id \
        WHERE ($1 IS NULL OR c.petition_id = $1) ORDER BY c.id";
    Ok(fetch_all!(db, _, sql, petition_id)?)
}

/// Labelled texts for the office's routing model: every answered or closed petition labelled
/// with the code of the department that handled it last (weight 1), and every staff correction
/// labelled with the department chosen (weight [`CORRECTION_WEIGHT`]). Texts of closed petitions
/// are read unmasked: the model keeps only hashed n-gram weights, never text.
pub async fn training_examples(db: &Db) -> Result<Vec<text::RoutingExample>> {
    let closed: Vec<(String, String, String)> = fetch_all!(
        db,
        _,
        "SELECT p.title, p.body, d.code FROM petitions p JOIN departments d ON d.id = p.department_id \
         WHERE p.state IN ('answered', 'closed') ORDER BY p.id"
    )?;
    let mut out: Vec<text::RoutingExample> = closed
        .into_iter()
        .map(|(title, body, code)| text::RoutingExample {
            text: routing_text(&title, &body),
            label: code,
            weight: 1.0,
        })
        .collect();
    out.extend(
        corrections(db, None)
            .await?
            .into_iter()
            .map(|c| text::RoutingExample {
                text: c.text,
                label: c.corrected_code,
                weight: CORRECTION_WEIGHT,
            }),
    );
    Ok(out)
}

/// One exchange with the drafting endpoint, as logged.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DraftRequest {
    pub petition_id: i64,
    pub actor_id: Option<domain::AccountId>,
    pub endpoint: String,
    pub model: String,
    pub prompt: String,
    pub output: String,
    /// `ok` or `fallback`.
    pub outcome: String,
    pub error: String,
    pub created_at: DateTime<Utc>,
}

/// Logs one prompt and its output (or the error that made us fall back).
pub async fn log_draft(tx: &mut Tx, d: &DraftRequest) -> Result<()> {
    execute!(
        tx,
        "INSERT INTO draft_requests (petition_id, actor_id, endpoint, model, prompt, output, outcome, \
         error, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        d.petition_id,
        d.actor_id,
        &d.endpoint,
        &d.model,
        &d.prompt,
        &d.output,
        &d.outcome,
        &d.error,
        d.created_at
    )?;
    Ok(())
}

/// The drafting log of one petition, oldest first.
pub async fn drafts(db: &Db, petition_id: i64) -> Result<Vec<DraftRequest>> {
    Ok(fetch_all!(
        db,
        _,
        "SELECT petition_id, actor_id, endpoint, model, prompt, output, outcome, error, created_at \
         FROM draft_requests WHERE petition_id = $1 ORDER BY id",
        petition_id
    )?)
}

/// How many answered petitions of the same type [`answered_like`] compares against (the most
/// recent ones): enough for an office's common cases, small enough to rank per click.
const SIMILAR_POOL: i64 = 2000;

/// The answered or closed petitions most like `p` (same type, BM25 over title and body), best
/// first, as (title, first answer, score). For draft answers.
pub async fn answered_like(db: &Db, p: &Petition, k: usize) -> Result<Vec<(String, String, f32)>> {
    let rows: Vec<(i64, String, String, String)> = fetch_all!(
        db,
        _,
        "SELECT id, title, body, derived FROM petitions WHERE type_id = $1 AND id <> $2 \
         AND state IN ('answered', 'closed') ORDER BY id DESC LIMIT $3",
        p.type_id,
        p.id,
        SIMILAR_POOL
    )?;
    let mut index = text::Bm25Index::new();
    let mut answered = std::collections::HashMap::new();
    for (id, title, body, derived) in rows {
        let d: domain::petitions::Derived = serde_json::from_str(&derived)
            .map_err(|e| StoreError::internal("stored derived data unreadable", e))?;
        let Some(answer) = d.answers.iter().find(|a| !a.additional) else {
            continue;
        };
        index.add(id as u64, &routing_text(&title, &body));
        answered.insert(id as u64, (title, answer.text.clone()));
    }
    Ok(index
        .search(&routing_text(&p.title, &p.body), k)
        .into_iter()
        .filter_map(|h| {
            answered
                .remove(&h.id)
                .map(|(title, answer)| (title, answer, h.score))
        })
        .collect())
}
