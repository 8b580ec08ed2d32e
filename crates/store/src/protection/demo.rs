//! The demo's protection records.

use super::*;
use crate::fetch_one;

/// Fill an empty protection record with the demo county's: a few incidents with measures,
/// the counter's equipment and this half-year's drill. Does nothing when incidents exist or the
/// demo accounts are missing. Returns the number of incidents made.
pub async fn demo(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    let (existing,): (i64,) = fetch_one!(db, _, "SELECT COUNT(*) FROM protection_incidents")?;
    if existing > 0 {
        return Ok(0);
    }
    let id = |name: &'static str| async move {
        crate::office::accounts::find_by_username(db, name)
            .await
            .ok()
    };
    let (Some(official), Some(sup), Some(guard)) = (
        id("official.desk").await,
        id("sup.civil").await,
        id("protect").await,
    ) else {
        return Ok(0);
    };
    let dept = official.department_id;
    let mut tx = db.begin().await?;
    let incidents = [
        (
            IncidentKind::VerbalAbuse,
            Channel::Phone,
            20,
            "통화 중 반복된 욕설. 사유를 알린 뒤 통화를 종료함.",
            true,
        ),
        (
            IncidentKind::Threat,
            Channel::Counter,
            9,
            "민원창구에서 \"가만두지 않겠다\"는 협박. 방호실 출동.",
            true,
        ),
        (
            IncidentKind::RepeatedNoPurpose,
            Channel::Online,
            3,
            "같은 내용의 민원 12회 반복 제출.",
            false,
        ),
    ];
    for (kind, channel, days_ago, narrative, ended) in incidents {
        let at = now - Duration::days(days_ago);
        let d = IncidentDetails {
            kind,
            channel,
            occurred_at: at,
            place: if channel == Channel::Counter {
                "1층 민원실 2번 창구".into()
            } else {
                String::new()
            },
            petition_id: None,
            petitioner_name: "민원인(데모)".into(),
            petitioner_phone: "010-0000-0000".into(),
            narrative: narrative.into(),
            involved: vec![],
        };
        let r = create_incident(&mut tx, &d, official.id, dept, false, at).await?;
        if ended {
            let steps = [
                (
                    MeasureKind::Warning,
                    Some(rules::WarningReason::Insult),
                    official.id,
                    3,
                ),
                (MeasureKind::Ended, None, official.id, 4),
                (MeasureKind::Counselling, None, sup.id, 120),
            ];
            for (kind, warning_reason, actor, minutes) in steps {
                let input = MeasureInput {
                    kind: Some(kind),
                    warning_reason,
                    ..MeasureInput::default()
                };
                let at = at + Duration::minutes(minutes);
                add_measure(&mut tx, r.incident.id, &input, actor, at).await?;
            }
        }
    }
    for (kind, label, location, holder) in [
        (
            EquipmentKind::Whistle,
            "호루라기-01",
            "1층 민원실 1번 창구",
            Some(official.id),
        ),
        (
            EquipmentKind::PortableRecorder,
            "녹음기-01",
            "1층 민원실 2번 창구",
            Some(official.id),
        ),
        (
            EquipmentKind::BodyCamera,
            "웨어러블캠-01",
            "민원실 보관함",
            None,
        ),
        (
            EquipmentKind::EmergencyBell,
            "비상벨-01",
            "1층 민원실 2번 창구",
            None,
        ),
    ] {
        let e = add_equipment(
            &mut tx,
            kind,
            label,
            location,
            dept,
            now - Duration::days(60),
        )
        .await?;
        if holder.is_some() {
            issue_equipment(&mut tx, e.id, holder, now - Duration::days(60)).await?;
        }
        check_equipment(&mut tx, e.id, true, "", guard.id, now - Duration::days(7)).await?;
    }
    let today = rules::local_date(now);
    let half = rules::HalfYear::of(today);
    let planned = if half.half == 1 {
        NaiveDate::from_ymd_opt(half.year, 5, 20)
    } else {
        NaiveDate::from_ymd_opt(half.year, 11, 18)
    }
    .unwrap_or(today);
    plan_drill(
        &mut tx,
        planned,
        guard.department_id,
        "흉기 소지 민원인 난동 대응",
        "예시경찰서",
        guard.id,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(incidents.len())
}
