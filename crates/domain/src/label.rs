//! Values with a code and a Korean and an English name, each defined once beside the value,
//! so pages and JSON answers name them alike.

/// A value stored and sent as its code (`as_str`), named in Korean and English.
pub trait Label: Copy {
    /// The code stored and sent (snake_case).
    fn code(self) -> &'static str;
    fn korean(self) -> &'static str;
    fn english(self) -> &'static str;

    /// Both names as the JSON answers give them: "한국어 (English)".
    fn both(self) -> String {
        format!("{} ({})", self.korean(), self.english())
    }
}
