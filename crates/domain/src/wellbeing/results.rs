//! What a result means: referral levels, the crisis lines, and the next steps offered.

use super::*;

/// How strongly a professional's help is advised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralLevel {
    None,
    Suggested,
    Urgent,
}

/// A telephone line shown when the crisis gate opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CrisisLine {
    pub number: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
}

/// The crisis lines (WELLBEING.md): shown at once, whatever the total.
pub const CRISIS_LINES: [CrisisLine; 4] = [
    CrisisLine {
        number: "109",
        ko: "자살예방 상담전화 (24시간, 2024년부터 통합 번호)",
        en: "Suicide prevention line, 24 hours (unified number since 2024)",
    },
    CrisisLine {
        number: "1577-0199",
        ko: "정신건강 위기상담전화 (24시간)",
        en: "Mental-health crisis line, 24 hours",
    },
    CrisisLine {
        number: "112",
        ko: "경찰 — 위급한 상황",
        en: "Police — emergencies",
    },
    CrisisLine {
        number: "119",
        ko: "구급 — 위급한 상황",
        en: "Ambulance — emergencies",
    },
];

/// The result of one instrument within a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentResult {
    pub instrument: String,
    pub version: i64,
    pub name: Text,
    pub score: Score,
    pub score_display: String,
    pub band: Band,
    pub bands_convention: bool,
    pub referral: ReferralLevel,
}

/// Score answers to one instrument and place them in a band.
pub fn result_of(
    instrument: &Instrument,
    answers: &[Option<i64>],
) -> Result<InstrumentResult, RuleError> {
    let score = instrument.score(answers)?;
    let band = instrument.band(&score).cloned().ok_or_else(|| {
        RuleError::new(
            "instrument_data",
            "점수 구간을 찾을 수 없습니다",
            "no band for this score",
        )
    })?;
    Ok(InstrumentResult {
        instrument: instrument.id.clone(),
        version: instrument.version,
        name: instrument.name.clone(),
        score_display: score.display(),
        referral: instrument.referral(&score),
        score,
        band,
        bands_convention: instrument.bands_convention,
    })
}

/// One recommendation of what to do next, in plain Korean and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// Stable key for clients and tests: `crisis_lines`, `counsellor`, `referral_urgent`,
    /// `referral_suggested`, `healing_program`, `self_management`, `self_care`, `recheck`.
    pub key: &'static str,
    pub ko: &'static str,
    pub en: &'static str,
}

/// Shown with every result: a screening, never a diagnosis.
pub const SCREENING_NOTICE_KO: &str = "이 결과는 마음 상태를 살펴보는 선별검사 결과이며, 의학적 진단이 아닙니다. \
     정확한 평가는 전문가 상담을 통해서만 받을 수 있습니다.";
pub const SCREENING_NOTICE_EN: &str = "This is a screening result, not a medical diagnosis. Only a professional can assess it properly.";

/// What to do next, from the results of a check and whether the crisis gate opened.
pub fn next_steps(results: &[InstrumentResult], crisis: bool) -> Vec<NextStep> {
    let mut steps = Vec::new();
    let referral = results
        .iter()
        .map(|r| r.referral)
        .max()
        .unwrap_or(ReferralLevel::None);
    let worst_level = results.iter().map(|r| r.band.level).max().unwrap_or(0);
    if crisis {
        steps.push(NextStep {
            key: "crisis_lines",
            ko: "지금 힘드시다면 혼자 견디지 마세요. 109(자살예방 상담전화)나 1577-0199(정신건강 위기상담전화)에 전화하면 24시간 상담을 받을 수 있습니다. 위급하면 112나 119에 전화하세요.",
            en: "If you are struggling now, do not carry it alone: call 109 or 1577-0199 (24 hours); in an emergency call 112 or 119.",
        });
        steps.push(NextStep {
            key: "counsellor",
            ko: "기관의 상담사와 이야기할 수 있습니다. 아래에서 상담을 요청하세요. 결과를 공유할지는 본인이 정합니다.",
            en: "You can talk to the office's counsellor: ask for counselling below. Whether to share your result is your choice.",
        });
    }
    match referral {
        ReferralLevel::Urgent => steps.push(NextStep {
            key: "referral_urgent",
            ko: "가능한 한 빨리 전문가(상담사, 정신건강의학과, 정신건강복지센터)의 도움을 받으시기를 권합니다.",
            en: "We recommend seeing a professional (counsellor, psychiatrist, mental-health welfare centre) as soon as possible.",
        }),
        ReferralLevel::Suggested => steps.push(NextStep {
            key: "referral_suggested",
            ko: "전문가 상담을 받아 보시기를 권합니다. 상담 요청은 상담사에게만 전달됩니다.",
            en: "We suggest talking to a professional. A counselling request reaches only the counsellor.",
        }),
        ReferralLevel::None => {}
    }
    if worst_level >= 1 {
        steps.push(NextStep {
            key: "healing_program",
            ko: "힐링 프로그램이나 스트레스 관리 교육에 참여해 보세요.",
            en: "Consider a healing programme or a stress-management course.",
        });
        steps.push(NextStep {
            key: "self_management",
            ko: "작은 목표와 주간 실천 계획으로 자기관리 계획을 세워 보세요.",
            en: "Write a self-management plan with small goals and weekly actions.",
        });
    } else {
        steps.push(NextStep {
            key: "self_care",
            ko: "지금의 생활 습관(수면, 운동, 휴식)을 잘 유지하세요.",
            en: "Keep up what works for you: sleep, exercise, rest.",
        });
    }
    steps.push(NextStep {
        key: "recheck",
        ko: "몇 달 뒤 다시 검사하면 변화를 볼 수 있습니다.",
        en: "Take the check again in a few months to see how things change.",
    });
    steps
}
