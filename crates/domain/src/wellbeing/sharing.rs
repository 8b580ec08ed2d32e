//! Sharing with a counsellor (공유) and referrals (의뢰): purposes, kinds and statuses.

use crate::label::labelled;

labelled! {
    /// Why a share is given: per purpose, so a counsellor sees what it is for.
    SharePurpose {
        /// 상담: individual counselling.
        Counselling = "counselling", "상담", "counselling";
        /// 프로그램 연계: placement in a healing program.
        HealingProgram = "healing_program", "힐링 프로그램 연계", "placement in a healing program";
        /// 외부 의뢰: referral to outside care.
        ExternalReferral = "external_referral", "외부 전문기관 의뢰", "referral to an outside professional";
    }
}

labelled! {
    /// What an official asks for in a referral.
    ReferralKind {
        Counselling = "counselling", "상담 요청", "counselling";
        HealingProgram = "healing_program", "힐링 프로그램 참여 요청", "a place in a healing program";
    }
}

labelled! {
    /// Where a referral stands; only the counsellor moves it on.
    ReferralStatus {
        Open = "open", "접수", "open";
        Acknowledged = "acknowledged", "확인함", "acknowledged";
        Closed = "closed", "종결", "closed";
    }
}
