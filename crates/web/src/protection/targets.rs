//! What protection records are to the access policy (`domain::access`), and loading one the
//! caller may act on. Shared by every concern below.

use crate::AppState;
use crate::kit::auth::Caller;
use crate::kit::error::ApiError;
use domain::DepartmentId;
use domain::access::{self, Action, Actor, Capability, OrgChart, Target};
use store::protection::{self as sp, Incident};

pub(crate) fn incident_target(i: &Incident) -> Target<'_> {
    Target::Record {
        owner: Some(i.reported_by),
        department: i.department_id,
        shared_with: &i.involved,
    }
}

pub(crate) fn incident_subject(id: i64) -> String {
    format!("protection_incident:{id}")
}

pub(crate) fn evidence_subject(id: i64) -> String {
    format!("protection_evidence:{id}")
}

/// The caller's view of the policy, with one org chart for a whole list.
pub(crate) struct Policy {
    pub(crate) actor: Actor,
    pub(crate) org: OrgChart,
}

impl Policy {
    pub(crate) async fn of(state: &AppState, caller: &Caller) -> Result<Policy, ApiError> {
        Ok(Policy {
            actor: caller.actor(),
            org: store::office::departments::org_chart(&state.db).await?,
        })
    }

    pub(crate) fn may(&self, capability: Capability, action: Action, target: Target<'_>) -> bool {
        access::decide(&self.actor, capability, action, target, &self.org).is_ok()
    }

    /// Whether the caller works with incidents beyond their own (supervisors, protection officers).
    pub(crate) fn oversees(&self) -> bool {
        self.actor
            .department_id
            .is_some_and(|d| self.may(Capability::Protection, Action::Read, Target::Department(d)))
    }
}

/// Load an incident the caller may act on; a refusal leaves a trace in the access log.
pub(crate) async fn incident_for(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: Action,
) -> Result<Incident, ApiError> {
    let i = sp::get_incident(&state.db, id).await?;
    if let Err(e) = caller
        .may(state, Capability::Protection, action, incident_target(&i))
        .await
    {
        state
            .log_access(caller, &incident_subject(id), "protection.denied", "")
            .await?;
        return Err(e);
    }
    Ok(i)
}

/// Those who may see a department's equipment and drills: supervisors and protection officers.
pub(crate) async fn require_oversight(
    state: &AppState,
    caller: &Caller,
) -> Result<Policy, ApiError> {
    let policy = Policy::of(state, caller).await?;
    if policy.oversees() {
        Ok(policy)
    } else {
        Err(ApiError::forbidden())
    }
}

/// A department-held thing (equipment, drill) the caller may see: in their division.
pub(crate) fn dept_visible(policy: &Policy, dept: Option<DepartmentId>, action: Action) -> bool {
    match dept {
        Some(d) => policy.may(Capability::Protection, action, Target::Department(d)),
        None => policy.may(Capability::Protection, action, Target::Office) || policy.oversees(),
    }
}

/// Whether the caller may record something of their own (an incident, a contact, a flag) where
/// they work; a refusal leaves a trace in the access log.
pub(crate) async fn may_record_own(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let own = Target::Record {
        owner: Some(caller.account.id),
        department: caller.account.department_id,
        shared_with: &[],
    };
    caller
        .may(state, Capability::Protection, Action::Create, own)
        .await
}

/// A petition the caller may read, and the key of its petitioner.
pub(crate) async fn readable_petitioner(
    state: &AppState,
    caller: &Caller,
    petition_id: i64,
) -> Result<(store::petitions::Petition, String), ApiError> {
    let p = store::petitions::get(&state.db, petition_id).await?;
    caller
        .may(
            state,
            Capability::Petitions,
            Action::Read,
            crate::petitions::api::record_target(&p),
        )
        .await?;
    let key = sp::petitioner_key_of(&state.db, petition_id).await?;
    Ok((p, key))
}
