//! Programs (교육·힐링 프로그램, capability C5): from attendance to recognised hours.

pub mod attendance;
pub mod certificate;
pub mod checkin;
pub mod completion;
pub mod feedback;
pub mod record;
