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

/// An enum stored and sent as its snake_case code, with Korean and English labels ([`Label`]),
/// all written once in one table per enum.
macro_rules! labelled {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal, $ko:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)+ }
            }

            pub fn korean(self) -> &'static str {
                match self { $($name::$v => $ko,)+ }
            }

            pub fn english(self) -> &'static str {
                match self { $($name::$v => $en,)+ }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::RuleError> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s).ok_or_else(|| {
                    $crate::RuleError::new(
                        concat!("unknown_", stringify!($name)),
                        &format!("알 수 없는 값입니다: {s}"),
                        &format!(
                            "unknown value '{s}'; expected one of {}",
                            Self::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })
            }
        }

        impl $crate::label::Label for $name {
            fn code(self) -> &'static str {
                self.as_str()
            }

            fn korean(self) -> &'static str {
                $name::korean(self)
            }

            fn english(self) -> &'static str {
                $name::english(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use labelled;
