//! What the protection pages share: ids from the path, Korean
//! `datetime-local` values, choices from labelled enums, and account names.

use crate::AppState;
use crate::kit::error::ApiError;
use crate::kit::page::{Ctx, Lang};
use askama::Template;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use domain::label::Label;
use domain::protection::{Channel, IncidentKind};
use serde::Deserialize;
use std::collections::HashMap;

/// A numeric id from the path, or a bilingual error page.
pub(crate) struct PageId(pub(crate) i64);

impl axum::extract::FromRequestParts<AppState> for PageId {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match crate::wellbeing::api::Id::from_request_parts(parts, state).await {
            Ok(crate::wellbeing::api::Id(id)) => Ok(PageId(id)),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A `datetime-local` value (Korean time) as UTC; empty is `None`.
pub(crate) fn local_time(s: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .and_then(|t| t.and_local_timezone(calendar::seoul()).single())
        .map(|t| Some(t.to_utc()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_time",
                "일시 형식이 올바르지 않습니다",
                "the date and time are not valid",
            )
        })
}

/// A page, with the status of the error it reports (a refused form shows the page again).
pub(crate) fn show(ctx: &Ctx, page: &impl Template, error: Option<&ApiError>) -> Response {
    match error {
        Some(e) => ctx.render_status(e.status, page),
        None => ctx.render(page),
    }
}

pub(crate) fn label(lang: Lang, ko: &str, en: &str) -> String {
    lang.t(ko, en).to_string()
}

/// Account names for display.
pub(crate) async fn names(state: &AppState) -> Result<HashMap<i64, String>, ApiError> {
    Ok(store::office::accounts::list(&state.db, None)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect())
}

pub(crate) fn name_of(names: &HashMap<i64, String>, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
}

pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) when: String,
    pub(crate) kind: String,
    pub(crate) channel: String,
    pub(crate) place: String,
    pub(crate) reporter: String,
    pub(crate) from_alert: bool,
}

pub(crate) struct Choice {
    pub(crate) value: &'static str,
    pub(crate) label: String,
}

/// A labelled value's name in the page's language (defined once, in `domain`).
pub(crate) fn named(lang: Lang, k: impl Label) -> String {
    lang.t(k.korean(), k.english()).to_string()
}

/// The options of a select: each value's code and its name.
pub(crate) fn choices<T: Label>(lang: Lang, all: &[T]) -> Vec<Choice> {
    all.iter()
        .map(|k| Choice {
            value: k.code(),
            label: named(lang, *k),
        })
        .collect()
}

pub(crate) fn kind_choices(lang: Lang) -> Vec<Choice> {
    choices(lang, &IncidentKind::ALL[1..])
}

pub(crate) fn channel_choices(lang: Lang) -> Vec<Choice> {
    choices(lang, Channel::ALL)
}

#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    pub(crate) done: Option<String>,
}

pub(crate) fn done_message(lang: Lang, done: Option<&str>) -> Option<String> {
    done.map(|_| label(lang, "저장했습니다.", "Saved."))
}

/// The abuse kinds the text screening found (stored as a JSON list of codes), in words.
pub(crate) fn abuse_words(lang: Lang, stored: &str) -> String {
    let codes: Vec<String> = serde_json::from_str(stored).unwrap_or_default();
    codes
        .iter()
        .map(|code| match code.as_str() {
            "insult" => lang.t("모욕·욕설", "insult or profanity").to_string(),
            "threat" => lang.t("협박", "threat").to_string(),
            "sexual_harassment" => lang.t("성희롱", "sexual harassment").to_string(),
            "hate" => lang.t("혐오 표현", "hate speech").to_string(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screened_kinds_are_said_in_words() {
        assert_eq!(
            abuse_words(Lang::Ko, r#"["insult","threat"]"#),
            "모욕·욕설, 협박"
        );
        assert_eq!(abuse_words(Lang::En, r#"["hate"]"#), "hate speech");
        assert_eq!(abuse_words(Lang::Ko, "not json"), "");
    }
}
