//! Text-backed codes: the fixed vocabularies Qorgau stores as text (statuses, kinds, levels…).
//!
//! [`code_enum!`] declares one: the enum, its wire and database code for each value (the same
//! string: serde, query strings, columns and CSV agree), `ALL`, `as_str`, `from_code`,
//! `Display` and `FromStr`. A string that is no code of the enum is an error to the caller,
//! never a default.

/// A stored or received string that is no code of the enum named.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a {vocabulary} code")]
pub struct UnknownCode {
    pub vocabulary: &'static str,
    pub code: String,
}

/// Declares a text-backed code enum:
///
/// ```
/// qorgau_domain::code_enum! {
///     /// Traffic lights.
///     pub enum Light { Red = "red", Green = "green" }
/// }
/// assert_eq!(Light::Red.as_str(), "red");
/// assert_eq!("green".parse::<Light>(), Ok(Light::Green));
/// assert!("blue".parse::<Light>().is_err());
/// ```
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored and sent for this value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::code::UnknownCode;
            fn from_str(s: &str) -> Result<$name, Self::Err> {
                $name::from_code(s).ok_or_else(|| $crate::code::UnknownCode {
                    vocabulary: stringify!($name),
                    code: s.to_string(),
                })
            }
        }
    };
}
