//! Staff wellbeing (직원 마음건강, capability C4): the self-check battery, its scoring, the crisis
//! gate, referral levels, what to do next, the self-management plan and retention.
//!
//! The instruments are data: each lives in one versioned JSON file under `data/instruments/`
//! (item texts in Korean and English, answer options, scoring key, reversed items, bands with their
//! source and whether they are a convention). This module only reads them, so a corrected text
//! or a new instrument is a new file, not new code. Results are a screening, never a diagnosis;
//! every text shown to people says so.
//!
//! Who may see what is decided in [`crate::access`] alone; group reports and their small-cell
//! suppression are in [`crate::wellbeing::report`].

mod instruments;
mod invitations;
mod plan;
mod results;
mod sharing;

pub mod report;

pub use instruments::*;
pub use invitations::*;
pub use plan::*;
pub use results::*;
pub use sharing::*;

use crate::RuleError;
use chrono::{DateTime, Datelike, Duration, Months, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The version of the consent text an official agrees to; a new text needs a new consent.
pub const CONSENT_VERSION: i64 = 1;

/// Results, consents, referrals and plans are kept this many years, then deleted.
pub const RETENTION_YEARS: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str) -> &'static Instrument {
        battery().unwrap().get(id).unwrap()
    }

    fn all(id: &str, v: i64) -> Vec<Option<i64>> {
        vec![Some(v); inst(id).items.len()]
    }

    #[test]
    fn the_battery_loads_in_order_with_32_items() {
        let b = battery().unwrap();
        let ids: Vec<&str> = b.instruments.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["phq9", "gad7", "pss10", "cbi_client"]);
        let items: usize = b.instruments.iter().map(|i| i.items.len()).sum();
        assert_eq!(items, 32, "WELLBEING.md: 32 items");
        for i in &b.instruments {
            assert_eq!(i.version, 1);
            // Honest labelling: nothing here was checked against the published Korean text.
            assert_eq!(i.text_source, TextSource::WorkingTranslation, "{}", i.id);
            assert!(!i.text_source_note.is_empty());
        }
    }

    #[test]
    fn every_cut_off_is_attainable() {
        for i in &battery().unwrap().instruments {
            i.validate().unwrap();
            let totals = i.attainable_totals();
            for b in &i.bands {
                let hit = totals.iter().any(|t| {
                    let s = Score {
                        total: *t,
                        items: i.items.len() as i64,
                        method: i.scoring.method,
                    };
                    s.value() == b.from as f64 && i.band(&s) == Some(b)
                });
                assert!(hit, "{} band {} from {}", i.id, b.key, b.from);
            }
        }
    }

    #[test]
    fn validation_refuses_an_unattainable_cut_off() {
        let mut cbi = inst("cbi_client").clone();
        // A mean of 51 needs a total of 306 over 6 items in steps of 25: impossible.
        cbi.bands[1].from = 51;
        assert!(cbi.validate().unwrap_err().contains("not attainable"));
        let mut phq = inst("phq9").clone();
        phq.bands[4].from = 28;
        assert!(phq.validate().is_err());
        let mut pss = inst("pss10").clone();
        pss.scoring.reversed.push(11);
        assert!(pss.validate().is_err());
    }

    #[test]
    fn worked_checks_of_wellbeing_md() {
        // PSS-10: every answer 0 → 16 (the four reversed items give 4 each); every answer 4 → 24.
        let pss = inst("pss10");
        assert_eq!(pss.score(&all("pss10", 0)).unwrap().total, 16);
        assert_eq!(pss.score(&all("pss10", 4)).unwrap().total, 24);
        assert_eq!(pss.scoring.reversed, [4, 5, 7, 8]);
        // PHQ-9 all 3 → 27 (severe).
        let r = result_of(inst("phq9"), &all("phq9", 3)).unwrap();
        assert_eq!(r.score.total, 27);
        assert_eq!(r.band.key, "severe");
        // GAD-7 all 1 → 7 (mild).
        let r = result_of(inst("gad7"), &all("gad7", 1)).unwrap();
        assert_eq!(r.score.total, 7);
        assert_eq!(r.band.key, "mild");
    }

    #[test]
    fn bands_at_their_edges() {
        let phq = inst("phq9");
        let band_of = |total| {
            phq.band(&Score {
                total,
                items: 9,
                method: Method::Sum,
            })
            .unwrap()
            .key
            .clone()
        };
        let expected = [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately_severe"),
            (19, "moderately_severe"),
            (20, "severe"),
            (27, "severe"),
        ];
        for (total, key) in expected {
            assert_eq!(band_of(total), key, "PHQ-9 {total}");
        }
        // CBI: mean of 100/75/50/25/0; below 50 low, 50–74 moderate, 75 and above high.
        let cbi = inst("cbi_client");
        let r = |answers: [i64; 6]| result_of(cbi, &answers.map(Some)).unwrap();
        assert_eq!(r([50, 50, 50, 50, 50, 25]).band.key, "low"); // 45.8
        assert_eq!(r([50, 50, 50, 50, 50, 50]).band.key, "moderate"); // 50
        assert_eq!(r([75, 75, 75, 75, 75, 50]).band.key, "moderate"); // 70.8
        assert_eq!(r([75; 6]).band.key, "high");
        assert_eq!(r([75, 75, 75, 75, 75, 50]).score_display, "70.8");
        let pss = inst("pss10");
        assert!(pss.bands_convention && cbi.bands_convention);
        assert!(!phq.bands_convention && !inst("gad7").bands_convention);
    }

    #[test]
    fn bad_answers_are_named() {
        let phq = inst("phq9");
        let mut answers = all("phq9", 1);
        answers[2] = None;
        answers.truncate(8);
        let e = phq.score(&answers).unwrap_err();
        assert_eq!(e.code, "missing_answers");
        assert!(e.message().contains("3, 9"), "{}", e.message());
        let mut answers = all("phq9", 1);
        answers[4] = Some(4);
        let e = phq.score(&answers).unwrap_err();
        assert_eq!(e.code, "answer_out_of_range");
        assert!(e.message().contains("5번") && e.message().contains("item 5"));
        let e = phq.score(&[Some(0); 10]).unwrap_err();
        assert_eq!(e.code, "too_many_answers");
        // CBI answers are the coded values, so 60 is not an option.
        let e = inst("cbi_client").score(&[Some(60); 6]).unwrap_err();
        assert_eq!(e.code, "answer_out_of_range");
    }

    #[test]
    fn crisis_gate_opens_on_item_nine_whatever_the_total() {
        let phq = inst("phq9");
        let mut answers = all("phq9", 0);
        assert!(!phq.opens_crisis_gate(&answers));
        answers[8] = Some(1);
        assert!(phq.opens_crisis_gate(&answers));
        let r = result_of(phq, &answers).unwrap();
        assert_eq!(r.band.key, "minimal");
        let steps = next_steps(&[r], true);
        assert_eq!(steps[0].key, "crisis_lines");
        assert!(steps[0].ko.contains("109") && steps[0].ko.contains("1577-0199"));
        assert!(steps.iter().any(|s| s.key == "counsellor"));
        let numbers: Vec<&str> = CRISIS_LINES.iter().map(|l| l.number).collect();
        assert_eq!(numbers, ["109", "1577-0199", "112", "119"]);
        // Other instruments never open it.
        assert!(!inst("gad7").opens_crisis_gate(&all("gad7", 3)));
    }

    #[test]
    fn referral_levels() {
        let level = |id: &str, total| {
            let i = inst(id);
            i.referral(&Score {
                total,
                items: i.items.len() as i64,
                method: Method::Sum,
            })
        };
        assert_eq!(level("phq9", 9), ReferralLevel::None);
        assert_eq!(level("phq9", 10), ReferralLevel::Suggested);
        assert_eq!(level("phq9", 19), ReferralLevel::Suggested);
        assert_eq!(level("phq9", 20), ReferralLevel::Urgent);
        assert_eq!(level("gad7", 10), ReferralLevel::Suggested);
        assert_eq!(level("gad7", 14), ReferralLevel::Suggested);
        assert_eq!(level("gad7", 15), ReferralLevel::Urgent);
        assert_eq!(level("pss10", 40), ReferralLevel::None);
        let r = result_of(inst("gad7"), &all("gad7", 3)).unwrap();
        let keys: Vec<&str> = next_steps(&[r], false).iter().map(|s| s.key).collect();
        assert!(keys.contains(&"referral_urgent") && !keys.contains(&"crisis_lines"));
        let r = result_of(inst("gad7"), &all("gad7", 0)).unwrap();
        let keys: Vec<&str> = next_steps(&[r], false).iter().map(|s| s.key).collect();
        assert_eq!(keys, ["self_care", "recheck"]);
    }

    #[test]
    fn plans_are_checked() {
        let p = PlanInput {
            goals: vec![" 잠 7시간 ".into(), "".into()],
            actions: vec!["점심 산책".into()],
            reminder_weekday: Some(0),
            reminder_hour: None,
        };
        let n = p.normalised().unwrap();
        assert_eq!(n.goals, ["잠 7시간"]);
        assert_eq!(n.reminder_hour, Some(9));
        let none = PlanInput {
            goals: vec![],
            ..p.clone()
        };
        assert_eq!(none.normalised().unwrap_err().code, "plan_goals");
        let bad_day = PlanInput {
            reminder_weekday: Some(7),
            ..p.clone()
        };
        assert_eq!(bad_day.normalised().unwrap_err().code, "plan_reminder");
        let long = PlanInput {
            actions: vec!["가".repeat(201)],
            ..p
        };
        assert_eq!(long.normalised().unwrap_err().code, "plan_line_too_long");
        assert!(validate_checkin(1, 1, 3, "").is_ok());
        assert_eq!(
            validate_checkin(2, 1, 3, "").unwrap_err().code,
            "checkin_actions"
        );
        assert_eq!(
            validate_checkin(0, 1, 6, "").unwrap_err().code,
            "checkin_mood"
        );
    }

    #[test]
    fn weekly_reminders_fall_on_the_chosen_day_in_korean_time() {
        // Tuesday 2026-11-24 10:00 KST = 01:00 UTC.
        let after = Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap();
        // Monday 09:00 KST → next Monday 2026-11-30 00:00 UTC.
        assert_eq!(
            next_reminder(after, 0, 9),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap())
        );
        // Tuesday 09:00 KST has passed today → a week later.
        assert_eq!(
            next_reminder(after, 1, 9),
            Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap())
        );
        // Tuesday 18:00 KST is still ahead today.
        assert_eq!(
            next_reminder(after, 1, 18),
            Some(Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap())
        );
    }

    #[test]
    fn retention_is_five_calendar_years() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
        assert_eq!(
            retention_cutoff(now),
            Utc.with_ymd_and_hms(2021, 11, 24, 0, 0, 0).unwrap()
        );
    }

    use proptest::prelude::*;

    proptest! {
        /// PSS-10 against an independent reading of the scoring key: items 4, 5, 7, 8 count
        /// 4 − x, the rest x; the band follows 0–13 / 14–26 / 27–40.
        #[test]
        fn pss_scoring_matches_the_key(answers in proptest::collection::vec(0i64..=4, 10)) {
            let expected: i64 = answers
                .iter()
                .enumerate()
                .map(|(i, a)| if [3, 4, 6, 7].contains(&i) { 4 - a } else { *a })
                .sum();
            let given: Vec<Option<i64>> = answers.iter().copied().map(Some).collect();
            let r = result_of(inst("pss10"), &given).unwrap();
            prop_assert_eq!(r.score.total, expected);
            let band = match expected { 0..=13 => "low", 14..=26 => "moderate", _ => "high" };
            prop_assert_eq!(r.band.key.as_str(), band);
        }

        /// Any valid answers to any instrument give a score within the scale and a band; the
        /// crisis gate opens exactly when PHQ-9 item 9 is 1 or more.
        #[test]
        fn any_valid_answers_score_and_band(picks in proptest::collection::vec(0usize..5, 10)) {
            for i in &battery().unwrap().instruments {
                let given: Vec<Option<i64>> = i
                    .items
                    .iter()
                    .zip(picks.iter().cycle())
                    .map(|(item, p)| {
                        let options = &i.option_sets[&item.options];
                        Some(options[p % options.len()].value)
                    })
                    .collect();
                let r = result_of(i, &given).unwrap();
                let v = r.score.value();
                let max = if i.id == "cbi_client" { 100.0 } else { (i.items.len() * (i.option_sets.values().next().unwrap().len() - 1)) as f64 };
                prop_assert!((0.0..=max).contains(&v), "{} scored {}", i.id, v);
                if i.id == "phq9" {
                    prop_assert_eq!(i.opens_crisis_gate(&given), given[8].unwrap_or(0) >= 1);
                }
            }
        }
    }

    /// An office's licensed text of an instrument, as a test builds it from the shipped file.
    fn licensed(file: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
        let mut v: serde_json::Value = serde_json::from_str(file).unwrap();
        v["version"] = serde_json::json!(2);
        v["text_source"] = serde_json::json!("published");
        v["license"] = serde_json::json!("예시군 사용 허락 2026-11");
        edit(&mut v);
        v.to_string()
    }

    #[test]
    fn an_office_imports_its_validated_text_as_a_new_version() {
        let b = battery().unwrap();
        let text = licensed(INSTRUMENT_FILES[3], |_| {});
        let cbi = check_import(&text, b).unwrap();
        assert_eq!((cbi.id.as_str(), cbi.version), ("cbi_client", 2));
        let merged = b.with_versions(vec![cbi]);
        assert_eq!(
            merged.get("cbi_client").unwrap().version,
            2,
            "the new text is asked"
        );
        assert_eq!(
            merged.instruments.len(),
            4,
            "in the same place of the order"
        );
        assert_eq!(
            merged.get_version("cbi_client", 1).unwrap().text_source,
            TextSource::WorkingTranslation,
            "old results keep the version that scored them"
        );
        // The same version twice is refused.
        assert_eq!(
            check_import(&text, &merged).unwrap_err().code,
            "instrument_version"
        );
    }

    #[test]
    fn imports_that_would_change_the_instrument_are_refused() {
        let b = battery().unwrap();
        let code = |text: String| check_import(&text, b).unwrap_err().code;
        // A CBI cut-off of 51: a mean of six answers in steps of 25 is 50 or 54.2, never 51.
        let unattainable = licensed(INSTRUMENT_FILES[3], |v| v["bands"][1]["from"] = 51.into());
        assert_eq!(code(unattainable.clone()), "unattainable_cut_off");
        let e = check_import(&unattainable, b).unwrap_err();
        assert!(e.message().starts_with("나올 수 없는 점수") && e.message().contains("(a cut-off"));
        let fewer = licensed(INSTRUMENT_FILES[0], |v| {
            v["items"].as_array_mut().unwrap().pop();
        });
        assert_eq!(code(fewer), "instrument_items");
        let reversed = licensed(INSTRUMENT_FILES[2], |v| {
            v["scoring"]["reversed"] = serde_json::json!([4, 5]);
        });
        assert_eq!(code(reversed), "instrument_scoring");
        let unknown = licensed(INSTRUMENT_FILES[0], |v| v["id"] = "k10".into());
        assert_eq!(code(unknown), "unknown_instrument");
        let working = licensed(INSTRUMENT_FILES[0], |v| {
            v["text_source"] = "working_translation".into();
        });
        assert_eq!(code(working), "instrument_text_source");
        assert_eq!(code("{\"id\": \"phq9\"}".into()), "instrument_schema");
        assert_eq!(
            code(licensed(INSTRUMENT_FILES[0], |v| v["extra"] = 1.into())),
            "instrument_schema"
        );
    }
}
