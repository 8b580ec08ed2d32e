//! The one access policy (접근 권한 정책): role × department scope × capability × action.
//!
//! Handlers never decide access themselves; they describe what is asked ([`Capability`],
//! [`Action`], [`Target`]) and call [`decide`]. The grant table below is the whole policy, so a
//! reviewer reads one function to know who may do what.

use crate::office::accounts::Role;
use crate::{AccountId, DepartmentId};
use std::collections::HashMap;

/// What part of Minwon is touched. One name per capability, as in every other layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Petitions (민원) and their handling.
    Petitions,
    /// Unmasked personal data of petitioners (개인정보 열람).
    PetitionerPersonalData,
    /// Protection of frontline officials: incidents, measures, equipment, drills.
    Protection,
    /// Evidence files of incidents (증거).
    Evidence,
    /// An official's individual self-check results and plans (건강 정보: sensitive).
    Wellbeing,
    /// Aggregated wellbeing reports with small cells suppressed.
    WellbeingGroupReport,
    /// An official's request for counselling or a healing program (의뢰): the owner's, and
    /// readable and answerable by the counsellor it is addressed to.
    WellbeingReferral,
    /// The program catalogue: programs, their agenda and sessions (교육·힐링 프로그램).
    Programs,
    /// People's places on programs and what follows from them: enrolments, attendance,
    /// completions, certificates, learning records and external hours. A record is the
    /// participant's (owner) in their department.
    ProgramEnrolment,
    /// The broadcast audience of one department's room (방송 시청 인원): its department.
    ProgramAudience,
    /// Active-administration recommendations and committee review.
    Recognition,
    /// Policy coordination between departments.
    Policy,
    /// Annual evaluation indicators.
    Evaluation,
    /// The org chart.
    Departments,
    /// Accounts and roles.
    Accounts,
    /// The personal-data access log (접속기록).
    AuditLog,
    /// The monthly review of the access log and its sign-off (접속기록 점검).
    AuditReview,
    /// Office settings, holidays, petition types.
    Settings,
    /// Late petitions across the office (no personal data): the head of the civil-affairs
    /// office's overview (민원실장).
    LatePetitions,
    /// After-hours reception (야간·휴일 민원실): schedules, services, exceptions and evenings, run
    /// by a department. Everyone on staff reads them (whether they work an evening).
    AfterHours,
    /// A booking for an after-hours evening: the resident's own, worked by the running
    /// department's staff (phone bookings, check-in, the number ticket, the petition).
    AfterHoursBooking,
    /// A home-visit request (찾아가는 민원 신청): it holds health and disability data, so only who
    /// entered it, the staff of the round it is in (shared with them) and the supervisor of the
    /// division read it; every reveal goes to the access log.
    HomeVisitRequest,
    /// Home-visit rounds (방문 일정): teams, stops, the route and the round sheet; planned by the
    /// supervisor, read and recorded by the round's own staff.
    HomeVisitRound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
    Export,
    /// 결재: approve or return an official's answer or extension.
    Approve,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
        Action::Approve,
    ];
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: AccountId,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    /// The head of the civil-affairs office (민원실장, `accounts.office_head`): a duty on top of
    /// the role, granting what [`head_grants`] lists.
    pub office_head: bool,
}

/// What is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The office as a whole (lists across departments, settings).
    Office,
    /// Everything of one department.
    Department(DepartmentId),
    /// One record: whose it is, which department holds it, and to whom its owner shared it.
    Record {
        owner: Option<AccountId>,
        department: Option<DepartmentId>,
        shared_with: &'a [AccountId],
    },
}

/// How far a grant reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// Records the actor owns.
    Own,
    /// Records whose owner shared them with the actor (consent).
    SharedWithActor,
    /// The actor's own department.
    Department,
    /// The actor's department and every department under it (a division head's 과).
    Division,
    /// The whole office.
    Office,
}

/// The org chart, for division scope. Built from the department rows.
#[derive(Debug, Clone, Default)]
pub struct OrgChart {
    parent: HashMap<DepartmentId, Option<DepartmentId>>,
}

impl OrgChart {
    pub fn new(rows: impl IntoIterator<Item = (DepartmentId, Option<DepartmentId>)>) -> Self {
        Self {
            parent: rows.into_iter().collect(),
        }
    }

    /// Whether `dept` is `ancestor` or lies under it. Bounded walk, so a corrupt cycle cannot hang.
    pub fn is_within(&self, dept: DepartmentId, ancestor: DepartmentId) -> bool {
        let mut current = Some(dept);
        for _ in 0..=self.parent.len() {
            match current {
                Some(d) if d == ancestor => return true,
                Some(d) => current = self.parent.get(&d).copied().flatten(),
                None => return false,
            }
        }
        false
    }

    /// Would setting `dept`'s parent to `new_parent` create a cycle?
    pub fn would_cycle(&self, dept: DepartmentId, new_parent: DepartmentId) -> bool {
        self.is_within(new_parent, dept)
    }
}

/// Why a request was refused. The message is safe to show to the person asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied;

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("이 작업을 할 권한이 없습니다 (you are not allowed to do this)")
    }
}

impl std::error::Error for Denied {}

use Action::{Approve, Create, Delete, Export, Read, Update};

const ALL: &[Action] = &[Read, Create, Update, Delete, Export];
const READ: &[Action] = &[Read];
const READ_EXPORT: &[Action] = &[Read, Export];
const WORK: &[Action] = &[Read, Create, Update];

/// The staff member concerned by an incident: as its reporter (owner) or as involved.
const CONCERNED_OWN: (&[Action], Scope) = (&[Read, Create, Update], Scope::Own);
const CONCERNED_INVOLVED: (&[Action], Scope) = (&[Read, Update], Scope::SharedWithActor);
const EVIDENCE_OWN: (&[Action], Scope) = (&[Read, Create], Scope::Own);
const EVIDENCE_INVOLVED: (&[Action], Scope) = (&[Read, Create], Scope::SharedWithActor);

/// The grant table: what each role may do on each capability, and how far.
/// Absent means denied. Wellbeing is never granted beyond the owner and those the owner shared
/// with: supervisors, HR and administrators can never read an individual result.
fn grants(role: Role, capability: Capability) -> &'static [(&'static [Action], Scope)] {
    use Capability as C;
    use Role as R;
    use Scope::*;
    match (role, capability) {
        // Residents see and file their own petitions and recommend officials.
        (R::Resident, C::Petitions) => &[(&[Read, Create, Update], Own)],
        (R::Resident, C::PetitionerPersonalData) => &[(READ, Own)],
        (R::Resident, C::Recognition) => &[(&[Create], Own), (READ, Own)],
        (R::Resident, C::Programs | C::ProgramEnrolment | C::ProgramAudience) => &[],
        // Residents book, cancel and move their own evening; family file a home visit online.
        (R::Resident, C::AfterHoursBooking) => &[(&[Read, Create, Update], Own)],
        (R::Resident, C::HomeVisitRequest) => &[(&[Read, Create], Own)],

        // Service access (C6): the running department's staff work the evening; a 읍면동
        // official takes a home-visit call for their own department and keeps reading what
        // they entered; the round's staff read and record the requests of their round.
        (R::Official, C::AfterHoursBooking) => &[(WORK, Department)],
        (R::Official, C::HomeVisitRequest) => &[
            (&[Create], Department),
            (&[Read, Update], Own),
            (&[Read, Update], SharedWithActor),
        ],
        (R::Official, C::HomeVisitRound) => &[(&[Read, Update], SharedWithActor)],
        (R::Supervisor, C::AfterHours) => &[(ALL, Division), (READ, Office)],
        (R::Supervisor, C::AfterHoursBooking) => &[(ALL, Division)],
        (R::Supervisor, C::HomeVisitRequest | C::HomeVisitRound) => &[(ALL, Division)],
        (R::Administrator, C::AfterHours) => &[(ALL, Office)],

        // Every staff member keeps their own wellbeing records, alone.
        (r, C::Wellbeing) if r.is_staff() => {
            if r == R::Counsellor {
                &[(ALL, Own), (READ, SharedWithActor)]
            } else {
                &[(ALL, Own)]
            }
        }
        (R::Counsellor | R::TrainingOfficer, C::WellbeingGroupReport) => &[(READ_EXPORT, Office)],
        // A referral is addressed to counsellors: they read it and move it on, never more.
        (r, C::WellbeingReferral) if r.is_staff() => {
            if r == R::Counsellor {
                &[(ALL, Own), (&[Read, Update], SharedWithActor)]
            } else {
                &[(ALL, Own)]
            }
        }

        (R::Official, C::Petitions) => &[(WORK, Department)],
        (R::Official, C::PetitionerPersonalData) => &[(READ, Department)],
        // Protection (C3): an official may raise an incident anywhere they work.
        (R::Official, C::Protection) => {
            &[CONCERNED_OWN, CONCERNED_INVOLVED, (&[Create], Department)]
        }

        // Only a division's supervisor approves (결재) its officials' answers and extensions.
        (R::Supervisor, C::Petitions) => &[(ALL, Division), (&[Approve], Division)],
        (R::Supervisor, C::PetitionerPersonalData) => &[(READ, Division)],
        // Supervisors work their division's incidents but never open evidence files (the Act
        // limits them to protection officers and the official concerned).
        (R::Supervisor, C::Protection) => &[(WORK, Division), CONCERNED_OWN, CONCERNED_INVOLVED],
        (R::Supervisor, C::Evaluation) => &[(READ_EXPORT, Office)],
        (R::Supervisor, C::Accounts) => &[(READ, Division)],
        (R::Supervisor, C::Policy) => &[(WORK, Division), (READ, Office)],

        (R::ProtectionOfficer, C::Protection) => &[
            (WORK, Division),
            (READ_EXPORT, Division),
            CONCERNED_OWN,
            CONCERNED_INVOLVED,
        ],
        (R::ProtectionOfficer, C::Evidence) => &[
            (&[Read, Create, Update, Export], Division),
            EVIDENCE_OWN,
            EVIDENCE_INVOLVED,
        ],

        // The training officer runs the catalogue and every enrolment, approves and nominates.
        (R::TrainingOfficer, C::Programs) => &[(ALL, Office)],
        (R::TrainingOfficer, C::ProgramEnrolment) => &[(ALL, Office), (&[Approve], Office)],
        (R::TrainingOfficer, C::ProgramAudience) => &[(ALL, Office)],
        // A supervisor nominates, approves and follows their division's people (and keeps
        // their own enrolments like anyone).
        (R::Supervisor, C::ProgramEnrolment) => &[
            (&[Read, Create, Update, Export], Division),
            (&[Approve], Division),
            (WORK, Own),
        ],
        (R::CommitteeMember, C::Recognition) => &[(&[Read, Update], Office)],

        (R::Administrator, C::Departments | C::Accounts | C::Settings) => &[(ALL, Office)],
        (R::Administrator, C::AuditLog) => &[(READ_EXPORT, Office)],
        // The privacy officer reads the whole log (the review is of everyone's accesses) and
        // signs off each month; nothing else, and nobody else signs off.
        (R::PrivacyOfficer, C::AuditLog) => &[(READ_EXPORT, Office)],
        (R::PrivacyOfficer, C::AuditReview) => &[(&[Read, Create], Office)],

        // Every staff member concerned by an incident (who reported it, or is listed as
        // involved = shared with them) works on it and its evidence, whatever their role.
        (r, C::Protection) if r.is_staff() => &[CONCERNED_OWN, CONCERNED_INVOLVED],
        (r, C::Evidence) if r.is_staff() => &[EVIDENCE_OWN, EVIDENCE_INVOLVED],

        // Staff can read the org chart, programs, policies and the evaluation dashboard.
        (r, C::Departments) if r.is_staff() => &[(READ, Office)],
        (r, C::Programs) if r.is_staff() => &[(READ, Office)],
        // Every official enrols themselves and reads their own record.
        (r, C::ProgramEnrolment) if r.is_staff() => &[(WORK, Own)],
        // Any staff member may act as their department's contact for a broadcast: record the
        // headcount and names of who watched in their own department's room.
        (r, C::ProgramAudience) if r.is_staff() => &[(WORK, Department)],
        (r, C::Policy) if r.is_staff() => &[(READ, Office)],
        (r, C::Evaluation) if r.is_staff() => &[(READ, Office)],
        (r, C::AfterHours) if r.is_staff() => &[(READ, Office)],
        _ => &[],
    }
}

/// What the head of the civil-affairs office may do beyond their role: see every
/// department's late petitions, to chase them. Nothing personal comes with it.
fn head_grants(capability: Capability) -> &'static [(&'static [Action], Scope)] {
    match capability {
        Capability::LatePetitions => &[(READ, Scope::Office)],
        _ => &[],
    }
}

fn scope_covers(scope: Scope, actor: &Actor, target: &Target<'_>, org: &OrgChart) -> bool {
    let in_department =
        |dept: Option<DepartmentId>, division: bool| match (dept, actor.department_id) {
            (Some(d), Some(mine)) if division => org.is_within(d, mine),
            (Some(d), Some(mine)) => d == mine,
            _ => false,
        };
    match (scope, target) {
        (Scope::Office, _) => true,
        (_, Target::Office) => false,
        (Scope::Own | Scope::SharedWithActor, Target::Department(_)) => false,
        (Scope::Department, Target::Department(d)) => in_department(Some(*d), false),
        (Scope::Division, Target::Department(d)) => in_department(Some(*d), true),
        (Scope::Own, Target::Record { owner, .. }) => *owner == Some(actor.account_id),
        (Scope::SharedWithActor, Target::Record { shared_with, .. }) => {
            shared_with.contains(&actor.account_id)
        }
        (Scope::Department, Target::Record { department, .. }) => in_department(*department, false),
        (Scope::Division, Target::Record { department, .. }) => in_department(*department, true),
    }
}

/// The one access decision. `Ok(())` means allowed.
pub fn decide(
    actor: &Actor,
    capability: Capability,
    action: Action,
    target: Target<'_>,
    org: &OrgChart,
) -> Result<(), Denied> {
    let head: &[(&[Action], Scope)] = if actor.office_head {
        head_grants(capability)
    } else {
        &[]
    };
    let allowed = grants(actor.role, capability)
        .iter()
        .chain(head)
        .any(|(actions, scope)| {
            actions.contains(&action) && scope_covers(*scope, actor, &target, org)
        });
    if allowed { Ok(()) } else { Err(Denied) }
}

/// Whether the role may act office-wide on a capability (used to pick list queries:
/// an office-wide reader gets every row, others a filtered list).
pub fn reaches_office(role: Role, capability: Capability, action: Action) -> bool {
    grants(role, capability)
        .iter()
        .any(|(actions, scope)| actions.contains(&action) && *scope == Scope::Office)
}

/// A screen reached from the header menu. Whether the menu shows it is part of the policy, so
/// a page never decides by testing roles itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Screen {
    /// A resident's own petitions (나의 민원).
    MyPetitions,
    /// The desk's work queue (업무 목록).
    WorkQueue,
    /// The division's dashboard (현황판).
    Dashboard,
    /// Office administration: departments, accounts, settings (관리).
    Administration,
    /// Frontline protection (민원공무원 보호).
    Protection,
    /// The staff member's own wellbeing (마음건강).
    Wellbeing,
    /// Late petitions across the office (지연 민원).
    LatePetitions,
    /// The monthly access-log review (접속기록 점검).
    AccessLogReview,
    /// One's own account (내 계정).
    Account,
    /// A counsellor's inbox: results shared with them and referrals addressed to them.
    CounsellorInbox,
    /// The group wellbeing report (small cells suppressed).
    WellbeingReport,
    /// Panic alerts (비상벨) shown live on every page while signed in.
    LiveAlerts,
    /// The official's programs: what they may enrol in and their enrolments (교육·힐링 프로그램).
    Programs,
    /// The training officer's catalogue and sessions (교육 운영).
    ProgramOffice,
    /// Enrolments waiting for the actor's approval (교육 신청 승인).
    ProgramApprovals,
    /// A resident's after-hours bookings (야간 민원 예약).
    AfterHoursBooking,
    /// The after-hours desk: evenings, bookings, check-in and the waiting list (야간 민원실).
    AfterHoursDesk,
    /// Setting after-hours schedules and services (야간 민원실 운영).
    AfterHoursOffice,
    /// Home-visit requests and rounds (찾아가는 민원).
    HomeVisits,
}

/// Whether the menu offers `screen` to the actor. Screens that stand for one grant ask
/// [`decide`] about the office as a whole (no org chart needed for office-wide grants).
pub fn may_open(actor: &Actor, screen: Screen) -> bool {
    let office = |capability, action| {
        decide(
            actor,
            capability,
            action,
            Target::Office,
            &OrgChart::default(),
        )
        .is_ok()
    };
    match screen {
        Screen::MyPetitions => actor.role == Role::Resident,
        // The queue is for the staff who work petitions (a training officer or a committee
        // member has none to list, and the menu offers no page that would refuse them).
        Screen::WorkQueue => {
            actor.role.is_staff() && holds(actor.role, Capability::Petitions, Read)
        }
        // Every staff member may be concerned by an incident and keeps their own wellbeing
        // records.
        Screen::Protection | Screen::Wellbeing | Screen::LiveAlerts => actor.role.is_staff(),
        // The dashboard page lists the backlog of the petitions in reach: none for a role that
        // reads no petitions (an administrator's workload figures come from the API).
        Screen::Dashboard => {
            may_see_dashboard(actor.role) && holds(actor.role, Capability::Petitions, Read)
        }
        Screen::Administration => office(Capability::Settings, Update),
        Screen::LatePetitions => office(Capability::LatePetitions, Read),
        Screen::AccessLogReview => office(Capability::AuditReview, Read),
        Screen::Account => true,
        // Only a counsellor is ever shared an official's results.
        Screen::CounsellorInbox => grants(actor.role, Capability::Wellbeing)
            .iter()
            .any(|(actions, scope)| *scope == Scope::SharedWithActor && actions.contains(&Read)),
        Screen::WellbeingReport => holds(actor.role, Capability::WellbeingGroupReport, Read),
        Screen::Programs => holds(actor.role, Capability::ProgramEnrolment, Create),
        Screen::ProgramOffice => office(Capability::Programs, Create),
        // Supervisors approve for their division; the training officer reaches the same list
        // from the office pages.
        Screen::ProgramApprovals => {
            holds(actor.role, Capability::ProgramEnrolment, Approve)
                && !office(Capability::Programs, Create)
        }
        Screen::AfterHoursBooking => actor.role == Role::Resident,
        Screen::AfterHoursDesk => {
            actor.role.is_staff() && holds(actor.role, Capability::AfterHoursBooking, Update)
        }
        Screen::AfterHoursOffice => holds(actor.role, Capability::AfterHours, Create),
        Screen::HomeVisits => {
            actor.role.is_staff() && holds(actor.role, Capability::HomeVisitRequest, Create)
        }
    }
}

/// Where the office makes two factors compulsory, the roles that hold the most must use them:
/// administrators and protection officers.
pub fn second_factor_compulsory(role: Role) -> bool {
    matches!(role, Role::Administrator | Role::ProtectionOfficer)
}

/// Whether the role holds `action` on `capability` at some scope: for showing a part of a page
/// (e.g. the list of what waits for one's approval), never for guarding an action.
pub fn holds(role: Role, capability: Capability, action: Action) -> bool {
    grants(role, capability)
        .iter()
        .any(|(actions, _)| actions.contains(&action))
}

/// The division's dashboard (and its workload figures): supervisors and administrators.
pub fn may_see_dashboard(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Administrator)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_CAPS: [Capability; 23] = [
        Capability::Petitions,
        Capability::PetitionerPersonalData,
        Capability::Protection,
        Capability::Evidence,
        Capability::Wellbeing,
        Capability::WellbeingGroupReport,
        Capability::WellbeingReferral,
        Capability::Programs,
        Capability::ProgramEnrolment,
        Capability::ProgramAudience,
        Capability::Recognition,
        Capability::Policy,
        Capability::Evaluation,
        Capability::Departments,
        Capability::Accounts,
        Capability::AuditLog,
        Capability::AuditReview,
        Capability::Settings,
        Capability::LatePetitions,
        Capability::AfterHours,
        Capability::AfterHoursBooking,
        Capability::HomeVisitRequest,
        Capability::HomeVisitRound,
    ];

    // 1 = office, 2 = 민원과 under it, 3 = 민원팀 under 2, 4 = 건설과 under 1.
    fn org() -> OrgChart {
        OrgChart::new([(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))])
    }

    fn actor(role: Role, dept: DepartmentId) -> Actor {
        Actor {
            account_id: 100 + dept,
            role,
            department_id: Some(dept),
            office_head: false,
        }
    }

    #[test]
    fn wellbeing_screens_and_second_factor_by_role() {
        for role in Role::ALL {
            let a = actor(role, 3);
            assert_eq!(
                may_open(&a, Screen::CounsellorInbox),
                role == Role::Counsellor,
                "{role:?} inbox"
            );
            assert_eq!(
                may_open(&a, Screen::WellbeingReport),
                matches!(role, Role::Counsellor | Role::TrainingOfficer),
                "{role:?} report"
            );
            assert_eq!(
                second_factor_compulsory(role),
                matches!(role, Role::Administrator | Role::ProtectionOfficer),
                "{role:?} second factor"
            );
        }
    }

    #[test]
    fn only_supervisors_hold_approval_of_petitions() {
        for role in Role::ALL {
            assert_eq!(
                holds(role, Capability::Petitions, Approve),
                role == Role::Supervisor,
                "{role:?}"
            );
        }
        assert!(holds(Role::Official, Capability::Petitions, Update));
        assert!(!holds(Role::Resident, Capability::Settings, Read));
    }

    #[test]
    fn the_menu_offers_each_role_its_screens() {
        use Screen as S;
        let expect = |role: Role, head: bool, screens: &[Screen]| {
            let a = Actor {
                office_head: head,
                ..actor(role, 3)
            };
            for screen in [
                S::MyPetitions,
                S::WorkQueue,
                S::Dashboard,
                S::Administration,
                S::Protection,
                S::Wellbeing,
                S::LatePetitions,
                S::AccessLogReview,
                S::Account,
            ] {
                assert_eq!(
                    may_open(&a, screen),
                    screens.contains(&screen),
                    "{role:?} (head: {head}) and {screen:?}"
                );
            }
        };
        let staff = [S::Protection, S::Wellbeing, S::Account];
        // Only those who work petitions have a queue to open.
        let workers = [&staff[..], &[S::WorkQueue]].concat();
        expect(Role::Resident, false, &[S::MyPetitions, S::Account]);
        expect(Role::Official, false, &workers);
        expect(
            Role::Official,
            true,
            &[&workers[..], &[S::LatePetitions]].concat(),
        );
        expect(
            Role::Supervisor,
            false,
            &[&workers[..], &[S::Dashboard]].concat(),
        );
        expect(Role::TrainingOfficer, false, &staff);
        expect(Role::Counsellor, false, &staff);
        expect(Role::CommitteeMember, false, &staff);
        expect(Role::ProtectionOfficer, false, &staff);
        expect(
            Role::Administrator,
            false,
            &[&staff[..], &[S::Administration]].concat(),
        );
        expect(
            Role::PrivacyOfficer,
            false,
            &[&staff[..], &[S::AccessLogReview]].concat(),
        );
    }

    #[test]
    fn nobody_but_owner_or_consented_counsellor_reads_wellbeing() {
        let owner = 999;
        for role in Role::ALL {
            for dept in 1..=4 {
                let a = actor(role, dept);
                for action in Action::ALL {
                    let unshared = Target::Record {
                        owner: Some(owner),
                        department: Some(dept),
                        shared_with: &[],
                    };
                    assert!(
                        decide(&a, Capability::Wellbeing, action, unshared, &org()).is_err(),
                        "{role:?} in {dept} could {action:?} another's wellbeing record"
                    );
                    assert!(
                        decide(&a, Capability::Wellbeing, action, Target::Office, &org()).is_err()
                    );
                    assert!(
                        decide(
                            &a,
                            Capability::Wellbeing,
                            action,
                            Target::Department(dept),
                            &org()
                        )
                        .is_err()
                    );
                }
                let shared = Target::Record {
                    owner: Some(owner),
                    department: Some(dept),
                    shared_with: &[a.account_id],
                };
                let may = decide(&a, Capability::Wellbeing, Action::Read, shared, &org()).is_ok();
                assert_eq!(may, role == Role::Counsellor, "{role:?} shared read");
                let may_edit =
                    decide(&a, Capability::Wellbeing, Action::Update, shared, &org()).is_ok();
                assert!(!may_edit, "{role:?} may not edit a shared record");
            }
        }
    }

    #[test]
    fn referrals_reach_only_their_owner_and_addressed_counsellors() {
        let owner = 999;
        for role in Role::ALL {
            for dept in 1..=4 {
                let a = actor(role, dept);
                for action in Action::ALL {
                    let unaddressed = Target::Record {
                        owner: Some(owner),
                        department: Some(dept),
                        shared_with: &[],
                    };
                    assert!(
                        decide(
                            &a,
                            Capability::WellbeingReferral,
                            action,
                            unaddressed,
                            &org()
                        )
                        .is_err(),
                        "{role:?} {action:?}"
                    );
                    for t in [Target::Office, Target::Department(dept)] {
                        assert!(
                            decide(&a, Capability::WellbeingReferral, action, t, &org()).is_err()
                        );
                    }
                    let addressed = Target::Record {
                        owner: Some(owner),
                        department: Some(dept),
                        shared_with: &[a.account_id],
                    };
                    let may = decide(&a, Capability::WellbeingReferral, action, addressed, &org())
                        .is_ok();
                    let expected =
                        role == Role::Counsellor && matches!(action, Action::Read | Action::Update);
                    assert_eq!(
                        may, expected,
                        "{role:?} {action:?} on an addressed referral"
                    );
                }
            }
        }
    }

    /// Incidents: the official concerned (owner or involved), protection officers and
    /// supervisors of the division; nobody else. Evidence: not even supervisors.
    #[test]
    fn incidents_and_evidence_reach_only_the_concerned_and_the_division() {
        let owner = 999;
        let involved = 998;
        for role in Role::ALL {
            for dept in 1..=4 {
                let a = actor(role, dept);
                // An incident of 민원팀 (3), under 민원과 (2).
                let others = Target::Record {
                    owner: Some(owner),
                    department: Some(3),
                    shared_with: &[involved],
                };
                let in_division = dept == 3 || dept == 2 || dept == 1;
                for action in [Action::Read, Action::Update] {
                    let may = decide(&a, Capability::Protection, action, others, &org()).is_ok();
                    let expected =
                        matches!(role, Role::Supervisor | Role::ProtectionOfficer) && in_division;
                    assert_eq!(may, expected, "{role:?} in {dept} {action:?} incident");
                    let ev = decide(&a, Capability::Evidence, action, others, &org()).is_ok();
                    // Protection officers also record hand-overs (Update).
                    let expected_ev = role == Role::ProtectionOfficer && in_division;
                    assert_eq!(ev, expected_ev, "{role:?} in {dept} {action:?} evidence");
                }
                // Nobody deletes an incident or evidence.
                for cap in [Capability::Protection, Capability::Evidence] {
                    assert!(decide(&a, cap, Action::Delete, others, &org()).is_err());
                }
                // The official concerned: as owner and as involved.
                let mine = Target::Record {
                    owner: Some(a.account_id),
                    department: Some(3),
                    shared_with: &[],
                };
                let with_me = Target::Record {
                    owner: Some(owner),
                    department: Some(3),
                    shared_with: &[a.account_id],
                };
                for t in [mine, with_me] {
                    // Any staff member concerned, whatever their role or department.
                    let reads = decide(&a, Capability::Protection, Action::Read, t, &org()).is_ok();
                    assert_eq!(
                        reads,
                        role.is_staff(),
                        "{role:?} in {dept} reads own incident"
                    );
                    let ev = decide(&a, Capability::Evidence, Action::Read, t, &org()).is_ok();
                    assert_eq!(ev, role.is_staff(), "{role:?} in {dept} reads own evidence");
                }
            }
        }
    }

    #[test]
    fn group_reports_go_to_counsellors_and_hr_only() {
        for role in Role::ALL {
            let a = actor(role, 1);
            let may = decide(
                &a,
                Capability::WellbeingGroupReport,
                Action::Read,
                Target::Office,
                &org(),
            )
            .is_ok();
            assert_eq!(
                may,
                matches!(role, Role::Counsellor | Role::TrainingOfficer),
                "{role:?}"
            );
        }
    }

    #[test]
    fn staff_own_their_wellbeing_residents_do_not_have_any() {
        for role in Role::ALL {
            let a = actor(role, 3);
            let mine = Target::Record {
                owner: Some(a.account_id),
                department: Some(3),
                shared_with: &[],
            };
            let ok = decide(&a, Capability::Wellbeing, Action::Read, mine, &org()).is_ok();
            assert_eq!(ok, role.is_staff());
        }
    }

    #[test]
    fn official_sees_own_department_petitions_only() {
        let a = actor(Role::Official, 3);
        let in_dept = Target::Record {
            owner: None,
            department: Some(3),
            shared_with: &[],
        };
        let other = Target::Record {
            owner: None,
            department: Some(4),
            shared_with: &[],
        };
        assert!(decide(&a, Capability::Petitions, Action::Read, in_dept, &org()).is_ok());
        assert!(decide(&a, Capability::Petitions, Action::Read, other, &org()).is_err());
        assert!(decide(&a, Capability::Petitions, Action::Delete, in_dept, &org()).is_err());
        assert!(
            decide(
                &a,
                Capability::Petitions,
                Action::Read,
                Target::Office,
                &org()
            )
            .is_err()
        );
    }

    #[test]
    fn supervisor_reaches_the_division_not_siblings() {
        let a = actor(Role::Supervisor, 2);
        for (dept, expected) in [(2, true), (3, true), (4, false), (1, false)] {
            let t = Target::Record {
                owner: None,
                department: Some(dept),
                shared_with: &[],
            };
            assert_eq!(
                decide(&a, Capability::Petitions, Action::Update, t, &org()).is_ok(),
                expected,
                "dept {dept}"
            );
        }
    }

    #[test]
    fn only_a_supervisor_of_the_division_approves() {
        for role in Role::ALL {
            for (dept, in_division) in [(2, true), (3, true), (4, false), (1, false)] {
                let a = actor(role, 2);
                let t = Target::Record {
                    owner: None,
                    department: Some(dept),
                    shared_with: &[],
                };
                let may = decide(&a, Capability::Petitions, Action::Approve, t, &org()).is_ok();
                assert_eq!(
                    may,
                    role == Role::Supervisor && in_division,
                    "{role:?} approving in {dept}"
                );
            }
        }
    }

    #[test]
    fn only_administrators_and_privacy_officers_read_the_audit_log() {
        for role in Role::ALL {
            let a = actor(role, 1);
            let audit = decide(
                &a,
                Capability::AuditLog,
                Action::Read,
                Target::Office,
                &org(),
            );
            assert_eq!(
                audit.is_ok(),
                matches!(role, Role::Administrator | Role::PrivacyOfficer),
                "{role:?}"
            );
            let review = decide(
                &a,
                Capability::AuditReview,
                Action::Create,
                Target::Office,
                &org(),
            );
            assert_eq!(
                review.is_ok(),
                role == Role::PrivacyOfficer,
                "{role:?} signs off"
            );
            let create = decide(
                &a,
                Capability::Accounts,
                Action::Create,
                Target::Office,
                &org(),
            );
            assert_eq!(create.is_ok(), role == Role::Administrator, "{role:?}");
            // Nobody may rewrite the audit log.
            for action in [Action::Create, Action::Update, Action::Delete] {
                assert!(decide(&a, Capability::AuditLog, action, Target::Office, &org()).is_err());
            }
            // Nobody changes or deletes a sign-off.
            for action in [Action::Update, Action::Delete] {
                assert!(
                    decide(&a, Capability::AuditReview, action, Target::Office, &org()).is_err()
                );
            }
        }
    }

    #[test]
    fn administrators_do_not_read_petitions_or_wellbeing() {
        let a = actor(Role::Administrator, 1);
        let t = Target::Record {
            owner: None,
            department: Some(1),
            shared_with: &[],
        };
        assert!(decide(&a, Capability::Petitions, Action::Read, t, &org()).is_err());
        assert!(
            decide(
                &a,
                Capability::PetitionerPersonalData,
                Action::Read,
                t,
                &org()
            )
            .is_err()
        );
    }

    #[test]
    fn residents_reach_only_their_own_records() {
        let a = actor(Role::Resident, 1);
        for cap in ALL_CAPS {
            for action in Action::ALL {
                assert!(decide(&a, cap, action, Target::Office, &org()).is_err());
                let others = Target::Record {
                    owner: Some(1),
                    department: Some(1),
                    shared_with: &[],
                };
                assert!(decide(&a, cap, action, others, &org()).is_err(), "{cap:?}");
            }
        }
    }

    #[test]
    fn no_account_without_department_gets_department_scope() {
        let a = Actor {
            account_id: 7,
            role: Role::Official,
            department_id: None,
            office_head: false,
        };
        let t = Target::Record {
            owner: None,
            department: Some(3),
            shared_with: &[],
        };
        assert!(decide(&a, Capability::Petitions, Action::Read, t, &org()).is_err());
    }

    /// Only the office head sees late petitions office-wide, whatever their role; the flag
    /// brings nothing else (no petition bodies, no personal data).
    #[test]
    fn late_petitions_reach_only_the_office_head() {
        for role in Role::ALL {
            for head in [false, true] {
                let a = Actor {
                    office_head: head,
                    ..actor(role, 3)
                };
                let late = decide(
                    &a,
                    Capability::LatePetitions,
                    Action::Read,
                    Target::Office,
                    &org(),
                );
                assert_eq!(late.is_ok(), head, "{role:?} head={head}");
                for action in [Action::Create, Action::Update, Action::Delete] {
                    assert!(
                        decide(
                            &a,
                            Capability::LatePetitions,
                            action,
                            Target::Office,
                            &org()
                        )
                        .is_err()
                    );
                }
                let plain = Actor {
                    office_head: false,
                    ..a.clone()
                };
                for cap in ALL_CAPS {
                    if cap == Capability::LatePetitions {
                        continue;
                    }
                    for action in Action::ALL {
                        assert_eq!(
                            decide(&a, cap, action, Target::Office, &org()).is_ok(),
                            decide(&plain, cap, action, Target::Office, &org()).is_ok(),
                            "{role:?} {cap:?} {action:?}: the flag grants only late petitions"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn programs_reach_each_role_as_far_as_its_duty() {
        let o = org();
        // Someone in 민원팀 (3), under 민원과 (2); another in 건설과 (4).
        let record = |owner, dept| Target::Record {
            owner: Some(owner),
            department: Some(dept),
            shared_with: &[],
        };
        let may = |a: &Actor, cap, act, t| decide(a, cap, act, t, &o).is_ok();
        for role in Role::ALL {
            let a = actor(role, 3);
            let staff = role.is_staff();
            let officer = role == Role::TrainingOfficer;
            // Staff read the catalogue; only the training officer writes it.
            assert_eq!(
                may(&a, Capability::Programs, Read, Target::Office),
                staff,
                "{role:?}"
            );
            assert_eq!(
                may(&a, Capability::Programs, Create, Target::Office),
                officer,
                "{role:?}"
            );
            // Everyone on staff enrols themselves; nobody else's enrolment but by duty.
            assert_eq!(
                may(
                    &a,
                    Capability::ProgramEnrolment,
                    Create,
                    record(a.account_id, 3)
                ),
                staff,
                "{role:?} own"
            );
            let colleague = record(999, 3);
            let in_division = matches!(role, Role::Supervisor | Role::TrainingOfficer);
            assert_eq!(
                may(&a, Capability::ProgramEnrolment, Create, colleague),
                in_division,
                "{role:?} nominates in their department"
            );
            assert_eq!(
                may(&a, Capability::ProgramEnrolment, Approve, colleague),
                in_division,
                "{role:?} approves"
            );
            assert_eq!(
                may(
                    &a,
                    Capability::ProgramEnrolment,
                    Approve,
                    record(a.account_id, 3)
                ),
                in_division,
                "{role:?} approves own"
            );
            // Another division: only the training officer.
            assert_eq!(
                may(&a, Capability::ProgramEnrolment, Read, record(999, 4)),
                officer,
                "{role:?} another division"
            );
            // A department contact records their own department's broadcast audience only.
            assert_eq!(
                may(
                    &a,
                    Capability::ProgramAudience,
                    Create,
                    Target::Department(3)
                ),
                staff,
                "{role:?} audience"
            );
            assert_eq!(
                may(
                    &a,
                    Capability::ProgramAudience,
                    Create,
                    Target::Department(4)
                ),
                officer,
                "{role:?} other audience"
            );
            assert_eq!(may_open(&a, Screen::Programs), staff, "{role:?} screen");
            assert_eq!(
                may_open(&a, Screen::ProgramOffice),
                officer,
                "{role:?} office"
            );
            assert_eq!(
                may_open(&a, Screen::ProgramApprovals),
                role == Role::Supervisor,
                "{role:?} approvals"
            );
        }
        // A supervisor of 민원과 (2) reaches 민원팀 (3) below it.
        let sup = actor(Role::Supervisor, 2);
        assert!(may(
            &sup,
            Capability::ProgramEnrolment,
            Approve,
            record(999, 3)
        ));
        assert!(!may(
            &sup,
            Capability::ProgramEnrolment,
            Approve,
            record(999, 4)
        ));
    }

    #[test]
    fn org_chart_cycles_do_not_hang() {
        let cyclic = OrgChart::new([(1, Some(2)), (2, Some(1))]);
        assert!(!cyclic.is_within(1, 3));
        assert!(org().would_cycle(2, 3));
        assert!(!org().would_cycle(3, 4));
    }

    /// A home-visit request holds health and disability data: who entered it, the round's
    /// staff it is shared with and the division's supervisor read it; no one else, whatever
    /// their role or department.
    #[test]
    fn home_visit_requests_reach_only_intake_round_staff_and_supervisor() {
        let o = org();
        // Entered by account 103 (an official of 민원팀, 3); the round's staff is account 150.
        let request = Target::Record {
            owner: Some(103),
            department: Some(3),
            shared_with: &[150],
        };
        let reads = |a: &Actor| decide(a, Capability::HomeVisitRequest, Read, request, &o).is_ok();
        for role in Role::ALL {
            for dept in [2, 3, 4] {
                let a = actor(role, dept);
                let expected = match role {
                    // Account 103 entered it (a resident with that id would be its filer).
                    Role::Official | Role::Resident => a.account_id == 103,
                    Role::Supervisor => dept == 2 || dept == 3,
                    _ => false,
                };
                assert_eq!(reads(&a), expected, "{role:?} in {dept}");
            }
        }
        let round_staff = Actor {
            account_id: 150,
            ..actor(Role::Official, 4)
        };
        assert!(reads(&round_staff));
        assert!(
            decide(
                &round_staff,
                Capability::HomeVisitRequest,
                Delete,
                request,
                &o
            )
            .is_err()
        );
        // A 읍면동 official takes calls for their own department only.
        let intake = actor(Role::Official, 3);
        let take = |d| {
            decide(
                &intake,
                Capability::HomeVisitRequest,
                Create,
                Target::Department(d),
                &o,
            )
            .is_ok()
        };
        assert!(take(3));
        assert!(!take(4));
        assert!(may_open(&intake, Screen::HomeVisits));
        assert!(!may_open(&actor(Role::Counsellor, 3), Screen::HomeVisits));
    }

    /// After-hours schedules: staff read them, the administrator and a division's supervisor
    /// set them; bookings are the resident's own and the running department's work.
    #[test]
    fn after_hours_reach_each_role_as_far_as_its_duty() {
        let o = org();
        let booking = Target::Record {
            owner: Some(900),
            department: Some(3),
            shared_with: &[],
        };
        let resident = Actor {
            account_id: 900,
            ..actor(Role::Resident, 3)
        };
        let may = |a: &Actor, cap, act, t| decide(a, cap, act, t, &o).is_ok();
        assert!(may(
            &resident,
            Capability::AfterHoursBooking,
            Update,
            booking
        ));
        assert!(!may(
            &actor(Role::Resident, 3),
            Capability::AfterHoursBooking,
            Read,
            booking
        ));
        assert!(may(
            &actor(Role::Official, 3),
            Capability::AfterHoursBooking,
            Update,
            booking
        ));
        assert!(!may(
            &actor(Role::Official, 4),
            Capability::AfterHoursBooking,
            Read,
            booking
        ));
        assert!(may(
            &actor(Role::Supervisor, 2),
            Capability::AfterHoursBooking,
            Read,
            booking
        ));
        assert!(!may(
            &actor(Role::Administrator, 1),
            Capability::AfterHoursBooking,
            Read,
            booking
        ));
        for role in Role::ALL {
            let a = actor(role, 3);
            assert_eq!(
                may(&a, Capability::AfterHours, Read, Target::Office),
                role.is_staff(),
                "{role:?}"
            );
            assert_eq!(
                may(&a, Capability::AfterHours, Create, Target::Office),
                role == Role::Administrator,
                "{role:?}"
            );
            assert_eq!(
                may_open(&a, Screen::AfterHoursOffice),
                matches!(role, Role::Administrator | Role::Supervisor),
                "{role:?}"
            );
            assert_eq!(
                may_open(&a, Screen::AfterHoursBooking),
                role == Role::Resident,
                "{role:?}"
            );
        }
        assert!(may(
            &actor(Role::Supervisor, 2),
            Capability::AfterHours,
            Create,
            Target::Department(3)
        ));
    }
}
