//! The office's own contact facts (the footer and the privacy policy show them to everyone):
//! a postal address of reasonable length and a telephone number people can dial.

use crate::Bilingual;

/// The longest address the footer shows on one or two lines.
pub const ADDRESS_MAX_CHARS: usize = 200;

/// Which field of the office contact a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Address,
    Phone,
}

/// Every problem with the typed address and phone at once (both may be empty: the footer then
/// leaves them out, and the phone falls back to the top department's public phone).
pub fn check_office_contact(
    address: &str,
    phone: &str,
) -> Result<(), Vec<(ContactField, Bilingual)>> {
    let mut errors = Vec::new();
    if address.trim().chars().count() > ADDRESS_MAX_CHARS {
        errors.push((
            ContactField::Address,
            Bilingual::new(
                format!("주소는 {ADDRESS_MAX_CHARS}자 이내로 적어 주세요"),
                format!("keep the address within {ADDRESS_MAX_CHARS} characters"),
            ),
        ));
    }
    let phone = phone.trim();
    if !phone.is_empty() && crate::petitions::contact::phone_digits(phone).is_none() {
        errors.push((
            ContactField::Phone,
            Bilingual::new(
                "전화번호를 031-123-4567처럼 적어 주세요",
                "write the phone number like 031-123-4567",
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_contact_is_allowed_and_both_problems_are_told_at_once() {
        assert!(check_office_contact("", "").is_ok());
        assert!(check_office_contact("경기도 예시군 군청로 1", "031-123-4567").is_ok());
        assert!(check_office_contact("", "1588-1234").is_ok());
        let long = "가".repeat(ADDRESS_MAX_CHARS + 1);
        let fields: Vec<ContactField> = check_office_contact(&long, "12-34")
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, [ContactField::Address, ContactField::Phone]);
    }
}
