//! Assistance for officials (업무 지원, issue 7): a petition's routing suggestion and abuse
//! screening, correcting the suggestion (a training example for the office's routing model),
//! and draft answers (답변 초안) — built in, or through an optional OpenAI-compatible endpoint.
//! Similar answered petitions come beside a draft (masked, for the official to read), never in
//! its text: they are other petitioners' answers.
//!
//! The machine suggests and never decides: a correction does not move the petition (assigning
//! and transferring do, and they record a correction themselves when they disagree with the
//! suggestion), and a draft is only ever put into the answer form for the official to edit.

use crate::kit::extract::{Json, Path};
use std::time::Duration;

use axum::extract::State;
use domain::access::Action;
use domain::privacy::{PersonalKind, mask_text};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::petitions::suggestions;
use store::petitions::{self, Petition};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::kit::auth::{ApiCaller, Caller};
use crate::kit::error::{ApiError, ErrorBody};
use crate::kit::json::ApiJson;
use crate::petitions::api::{
    department_by_code, may_on, render_answer, staff_petition_for, subject,
};

/// The optional drafting endpoint (config `draft_llm_url` / `draft_llm_model`). Off unless set.
#[derive(Debug, Clone)]
pub struct DraftEndpoint {
    /// Base URL of an OpenAI-compatible server, e.g. `http://127.0.0.1:8080` (we post to
    /// `/v1/chat/completions` under it; a base already ending in `/v1` is accepted too).
    pub base_url: String,
    pub model: String,
    /// Past this, the built-in draft is shown instead.
    pub timeout: Duration,
}

impl DraftEndpoint {
    fn url(&self) -> String {
        let base = self.base_url.trim_end_matches('/');
        if base.ends_with("/v1") {
            format!("{base}/chat/completions")
        } else {
            format!("{base}/v1/chat/completions")
        }
    }
}

/// How many similar answered petitions a draft quotes or sends.
const SIMILAR: usize = 3;
/// Longest petition text or similar answer put into a prompt, in characters.
const PROMPT_TEXT_CHARS: usize = 4000;
/// Largest response body read from the endpoint.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AssistDoc::openapi())
        .routes(routes!(assist))
        .routes(routes!(correct_routing))
        .routes(routes!(draft_api))
}

#[derive(OpenApi)]
#[openapi(components(schemas(
    AssistView,
    SuggestionView,
    ScreeningView,
    CorrectionRequest,
    CorrectionResult,
    DraftRequest,
    DraftView,
    SimilarAnswer
)))]
pub struct AssistDoc;

/// The routing suggestion made at intake.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionView {
    /// The suggested department's code (the model's label).
    pub department_code: String,
    /// Its name, when the department still exists.
    pub department_name: Option<String>,
    /// Model probability, 0..1.
    pub score: f64,
    pub model_version: String,
}

/// The abuse screening made at intake.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreeningView {
    pub abusive: bool,
    pub score: f64,
    pub kinds: Vec<String>,
    pub model_version: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssistView {
    /// None when the office has no routing model yet (`minwon train routing --from-db`).
    pub suggestion: Option<SuggestionView>,
    pub screening: ScreeningView,
}

impl From<suggestions::RoutingSuggestion> for SuggestionView {
    fn from(s: suggestions::RoutingSuggestion) -> Self {
        Self {
            department_code: s.label,
            department_name: s.department_name,
            score: s.score,
            model_version: s.model_version,
        }
    }
}

/// The routing suggestion of a petition, if any.
pub(crate) async fn suggestion(
    state: &AppState,
    p: &Petition,
) -> Result<Option<SuggestionView>, ApiError> {
    Ok(suggestions::get(&state.db, p.id).await?.map(Into::into))
}

/// The routing suggestion and abuse screening of a petition (staff).
#[utoipa::path(get, path = "/api/v1/petitions/{id}/assist", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AssistView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn assist(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<AssistView>, ApiError> {
    let p = staff_petition_for(&state, &caller, id, Action::Read).await?;
    Ok(Json(AssistView {
        suggestion: suggestion(&state, &p).await?,
        screening: ScreeningView {
            abusive: p.abuse_abusive,
            score: p.abuse_score,
            kinds: p.abuse_kinds.clone(),
            model_version: p.abuse_model.clone(),
        },
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CorrectionRequest {
    /// The department the petition should have been suggested for.
    pub department_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionResult {
    /// False when the department is the one suggested (nothing to learn).
    pub recorded: bool,
}

/// Records a correction of the routing suggestion by a signed-in official, in one transaction
/// with its access-log entry. Refused when the petition has no suggestion.
pub(crate) async fn correct(
    state: &AppState,
    caller: &Caller,
    id: i64,
    department_code: &str,
) -> Result<bool, ApiError> {
    let p = staff_petition_for(state, caller, id, Action::Read).await?;
    may_on(state, caller, &p, Action::Update).await?;
    let Some(dept) = department_by_code(state, Some(department_code.trim())).await? else {
        return Err(ApiError::bad_request(
            "missing_field",
            "부서를 고르세요",
            "choose a department",
        ));
    };
    if suggestions::get(&state.db, id).await?.is_none() {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "no_suggestion",
            "이 민원에는 분류 제안이 없습니다",
            "this petition has no routing suggestion to correct",
        ));
    }
    let by = Some(caller.account.id);
    crate::audited(state, caller, async |tx: &mut store::Tx| {
        let recorded = suggestions::record_correction(tx, &p, dept, by, store::now()).await?;
        let entry = crate::Audit::new(subject(&p), "petition.routing_correction", "");
        Ok((recorded, entry))
    })
    .await
}

/// Correct the routing suggestion: records (masked text, suggested, corrected, who, when, model
/// version) as a training example for `minwon train routing --from-db`. Does not move the
/// petition; assign or transfer it for that.
#[utoipa::path(post, path = "/api/v1/petitions/{id}/routing-correction", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CorrectionRequest,
    responses((status = 200, body = CorrectionResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn correct_routing(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<CorrectionRequest>,
) -> Result<Json<CorrectionResult>, ApiError> {
    let recorded = correct(&state, &caller, id, &req.department_code).await?;
    Ok(Json(CorrectionResult { recorded }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DraftRequest {
    /// Name of one of the type's answer templates (default: its first).
    #[serde(default)]
    pub template: Option<String>,
}

/// A draft answer: always to be edited by the official before it is sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftView {
    pub text: String,
    /// True when the text came from the configured language model.
    pub from_model: bool,
    /// The model asked, when one is configured.
    pub model: Option<String>,
    /// What happened, for the official (Korean (English)); e.g. why the built-in draft is shown.
    pub note: String,
    /// The same in each language, for pages.
    #[serde(skip)]
    pub note_parts: domain::Bilingual,
    /// Titles of the similar answered petitions used.
    pub sources: Vec<String>,
    /// The similar answered petitions themselves, masked, to read beside the editor. They are
    /// other petitioners' answers and are never part of `text`.
    pub similar: Vec<SimilarAnswer>,
}

/// An answered petition like this one, for reference.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarAnswer {
    pub title: String,
    /// Its answer, personal data masked.
    pub answer: String,
    /// Similarity score (BM25).
    pub score: f32,
}

/// Draft an answer for a petition (staff). With a drafting endpoint configured, the template,
/// the masked petition and similar answered petitions are sent to it and the exchange is
/// logged; on failure or timeout the built-in draft is returned with a note.
#[utoipa::path(post, path = "/api/v1/petitions/{id}/draft", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DraftRequest,
    responses((status = 200, body = DraftView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn draft_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<DraftRequest>,
) -> Result<Json<DraftView>, ApiError> {
    Ok(Json(
        draft(&state, &caller, id, req.template.as_deref()).await?,
    ))
}

/// Similar answered petitions as shown beside the editor: personal data masked.
fn masked_beside(sources: &[text::DraftSource]) -> Vec<SimilarAnswer> {
    sources
        .iter()
        .map(|s| SimilarAnswer {
            title: mask_text(&s.title, &[]),
            answer: mask_text(&s.answer, &[]),
            score: s.score,
        })
        .collect()
}

/// The similar answered petitions beside the answer editor of `p` (the caller may handle it),
/// the same pick as beside a draft: shown again with a preview, refused or not, so the
/// official keeps them while correcting the answer.
pub(crate) async fn similar_beside(
    state: &AppState,
    p: &Petition,
) -> Result<Vec<SimilarAnswer>, ApiError> {
    let similar = suggestions::answered_like(&state.db, p, SIMILAR).await?;
    Ok(masked_beside(&text::reference_answers(&similar)))
}

/// Builds a draft answer (see [`draft_api`]).
pub(crate) async fn draft(
    state: &AppState,
    caller: &Caller,
    id: i64,
    template: Option<&str>,
) -> Result<DraftView, ApiError> {
    let p = staff_petition_for(state, caller, id, Action::Read).await?;
    may_on(state, caller, &p, Action::Update).await?;
    let t = petitions::get_type(&state.db, p.type_id).await?;
    let name = template
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string)
        .or_else(|| t.templates.first().map(|x| x.name.clone()));
    // The type's template with everything but the answer itself filled in; `{answer}` stays
    // for the official (or the model) to write.
    let letter = render_answer(state, &p, caller, "{answer}".into(), name.as_deref()).await?;
    let similar = suggestions::answered_like(&state.db, &p, SIMILAR).await?;
    let built_in = text::draft_answer(&letter, &Default::default(), &similar);
    let sources: Vec<String> = built_in.sources.iter().map(|s| s.title.clone()).collect();
    let beside = masked_beside(&built_in.sources);
    let Some(endpoint) = state.config.drafting.clone() else {
        let note = domain::Bilingual::new(
            "서식으로 만든 초안입니다. 유사 답변은 옆에서 참고하고, 초안 표시와 {answer}를 고쳐 쓴 뒤 미리 보고 보내세요",
            "built-in draft from the template; similar answers are beside it for reference; replace the draft marker and {answer}, preview, then send",
        );
        return Ok(DraftView {
            text: built_in.text,
            from_model: false,
            model: None,
            note: note.to_string(),
            note_parts: note,
            sources,
            similar: beside,
        });
    };
    // The letter carries the petitioner's real name; the model gets it masked.
    let masked_letter = mask_text(&letter, &[(PersonalKind::Name, p.petitioner_name.as_str())]);
    let prompt = prompt_body(
        &endpoint,
        &masked_letter,
        &suggestions::masked_text(&p),
        &similar,
    );
    let asked = ask(&endpoint, &prompt).await;
    let (view, outcome, output, error) = match asked {
        Ok(out) => {
            let note = domain::Bilingual::new(
                format!(
                    "언어 모델 {}이 쓴 초안입니다. 사실을 확인하고 고쳐서 보내세요",
                    endpoint.model
                ),
                format!(
                    "draft written by the language model {}; check the facts and edit before sending",
                    endpoint.model
                ),
            );
            (
                DraftView {
                    text: format!("{}\n\n{}", text::draft::DRAFT_BANNER, out.trim()),
                    from_model: true,
                    model: Some(endpoint.model.clone()),
                    note: note.to_string(),
                    note_parts: note,
                    sources,
                    similar: beside.clone(),
                },
                "ok",
                out,
                String::new(),
            )
        }
        Err(e) => {
            let note = domain::Bilingual::new(
                "언어 모델이 답하지 않아 기본 초안(서식과 유사 답변)을 보여 드립니다. 고쳐서 보내세요",
                format!(
                    "the language model failed — {e} — so this is the built-in draft; edit before sending"
                ),
            );
            (
                DraftView {
                    text: built_in.text,
                    from_model: false,
                    model: Some(endpoint.model.clone()),
                    note: note.to_string(),
                    note_parts: note,
                    sources,
                    similar: beside,
                },
                "fallback",
                String::new(),
                e,
            )
        }
    };
    let logged = suggestions::DraftRequest {
        petition_id: p.id,
        actor_id: Some(caller.account.id),
        endpoint: endpoint.url(),
        model: endpoint.model.clone(),
        prompt: prompt.to_string(),
        output,
        outcome: outcome.into(),
        error,
        created_at: store::now(),
    };
    crate::audited(state, caller, async |tx: &mut store::Tx| {
        suggestions::log_draft(tx, &logged).await?;
        Ok((
            (),
            crate::Audit::new(subject(&p), "petition.draft_llm", outcome),
        ))
    })
    .await?;
    Ok(view)
}

fn clip(s: &str, chars: usize) -> String {
    s.chars().take(chars).collect()
}

/// The chat-completions request: the instructions, the template, the petition and the similar
/// answered petitions, every text masked (the petition with its petitioner's own data too).
fn prompt_body(
    endpoint: &DraftEndpoint,
    letter: &str,
    petition: &str,
    similar: &[(String, String, f32)],
) -> serde_json::Value {
    let mut user = format!(
        "답변 서식 (template; write the text for {{answer}}):\n{}\n\n민원 (petition):\n{}\n",
        mask_text(letter, &[]),
        clip(petition, PROMPT_TEXT_CHARS)
    );
    for (i, (title, answer, _)) in similar.iter().enumerate() {
        user.push_str(&format!(
            "\n유사 민원 {} (similar petition): {}\n답변 (its answer): {}\n",
            i + 1,
            mask_text(title, &[]),
            clip(&mask_text(answer, &[]), PROMPT_TEXT_CHARS)
        ));
    }
    json!({
        "model": endpoint.model,
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": "당신은 지방자치단체 민원 담당 공무원의 답변 초안 작성을 돕습니다. 정중한 한국어로, 서식에 맞추어, 확인되지 않은 사실은 지어내지 말고 [확인 필요]로 표시하십시오. 초안은 담당자가 검토·수정합니다. (You draft answers to residents' petitions for a Korean local government; polite Korean, follow the template, never invent facts.)"},
            {"role": "user", "content": user}
        ]
    })
}

/// Posts the request and returns the first choice's message content; errors are technical
/// details in English, shown inside the Korean-first note.
async fn ask(endpoint: &DraftEndpoint, body: &serde_json::Value) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .timeout(endpoint.timeout)
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client
        .post(endpoint.url())
        .json(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("timed out after {} s", endpoint.timeout.as_secs())
            } else {
                format!("request failed: {e}")
            }
        })?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("reading the response failed: {e}"))?;
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err("response too large".into());
    }
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("response is not JSON: {e}"))?;
    match v["choices"][0]["message"]["content"].as_str() {
        Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
        _ => Err("no choices[0].message.content in the response".into()),
    }
}
