//! Text-backed codes: the fixed vocabularies Qorgau stores as text (statuses, kinds, levels…).
//!
//! [`code_enum!`] declares one: the enum, its wire and database code for each value (the same
//! string: serde, query strings, columns and CSV agree), `ALL`, `as_str`, `from_code`,
//! `Display` and `FromStr`. A string that is no code of the enum is an error to the caller,
//! never a default.
//!
//! Features add what the outer layers need, so that the rules themselves depend on neither:
//! `diesel` makes every code a `Text` value of both backends (bound in queries, read from rows;
//! a stored string that is no code is a deserialization error naming the vocabulary and the
//! value), `openapi` derives `utoipa::ToSchema` (a string schema listing the codes).

/// A stored or received string that is no code of the enum named.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a {vocabulary} code")]
pub struct UnknownCode {
    pub vocabulary: &'static str,
    pub code: String,
}

/// What the macros expand to, reached through `$crate` so that a crate declaring codes needs
/// no dependency of its own on what a feature brings in. Not API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "diesel")]
    pub use diesel;
}

/// Declares a text-backed code enum:
///
/// ```
/// qorgau_domain::code_enum! {
///     /// Traffic lights.
///     pub enum Light {
///         Red = "red",
///         /// Go.
///         Green = "green",
///     }
/// }
/// assert_eq!(Light::Red.as_str(), "red");
/// assert_eq!(Light::ALL, [Light::Red, Light::Green]);
/// assert_eq!("green".parse::<Light>(), Ok(Light::Green));
/// assert!("blue".parse::<Light>().is_err());
/// ```
///
/// `ALL` lists the values in declaration order, which is also their `Ord`. Where the two must
/// differ (risk levels are ordered least severe first and listed most severe first), name the
/// listing after the enum; it must hold every value exactly once, which is checked when
/// compiling:
///
/// ```
/// qorgau_domain::code_enum! {
///     pub enum Level { Low = "low", High = "high" }
///     all = [High, Low];
/// }
/// assert!(Level::Low < Level::High);
/// assert_eq!(Level::ALL, [Level::High, Level::Low]);
/// ```
///
/// Attributes before the enum (doc comments, extra derives such as `Default`) and before each
/// value (doc comments, `#[default]`) are kept. Each code is a string literal, matched as a
/// token tree rather than a `literal` fragment: a fragment reaches derive macros wrapped in an
/// invisible group, which utoipa does not look into, so its schema would list the Rust names.
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:tt ),+ $(,)?
        }
    ) => {
        $crate::code_enum! {
            $(#[$meta])*
            $vis enum $name {
                $( $(#[$vmeta])* $variant = $code ),+
            }
            all = [$($variant),+];
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:tt ),+ $(,)?
        }
        all = [$($all:ident),+ $(,)?];
    ) => {
        $crate::__code_enum_schema! {
            $(#[$meta])*
            #[derive(
                Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
                ::serde::Serialize, ::serde::Deserialize,
            )]
            $vis enum $name {
                $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
            }
        }

        impl $name {
            /// Every value (an array, so that `for v in T::ALL` yields values).
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$all),+];

            /// The code stored and sent for this value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value of `code`; `None` for a string that is no code of this vocabulary.
            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        // `ALL` has as many entries as there are values (its type says so); none may appear
        // twice, so every value appears once. Values are numbered from 0 in declaration order.
        const _: () = {
            let mut seen = [false; [$($code),+].len()];
            let mut i = 0;
            while i < $name::ALL.len() {
                let value = $name::ALL[i] as usize;
                assert!(!seen[value], concat!(stringify!($name), "::ALL lists a value twice"));
                seen[value] = true;
                i += 1;
            }
        };

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

        $crate::__code_enum_diesel!($name);
    };
}

/// Derives `utoipa::ToSchema` on the item when the `openapi` feature is on. Decided here, in
/// this crate, so that `cfg(feature = "openapi")` is this crate's feature wherever the
/// [`code_enum!`] is expanded.
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __code_enum_schema {
    ($($item:tt)*) => {
        #[derive(::utoipa::ToSchema)]
        $($item)*
    };
}

#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __code_enum_schema {
    ($($item:tt)*) => {
        $($item)*
    };
}

/// With the `diesel` feature: the code enum as a `Text` value on every backend whose strings
/// diesel reads and writes (PostgreSQL and SQLite here), what `#[derive(AsExpression,
/// FromSqlRow)] #[diesel(sql_type = Text)]` and hand-written `ToSql`/`FromSql` would give:
///
/// - `AsExpression<Text>` (and `Nullable<Text>`) for the value and a reference to it, bound as
///   its code: `.filter(deadlines::status.eq(DeadlineStatus::Pending))`, `eq_any`, `.set(…)`,
///   `Insertable` fields;
/// - `ToSql<Text, DB>` (for `Option<T>` and other generic uses), `FromSql<Text, DB>` and
///   `Queryable` (what `FromSqlRow` derives), so a row or a `select` may hold the enum.
///
/// Reading a string that is no code fails with [`UnknownCode`]: diesel reports it as a
/// deserialization error, the request fails with a logged 500, and no default is invented.
#[cfg(feature = "diesel")]
#[doc(hidden)]
#[macro_export]
macro_rules! __code_enum_diesel {
    ($name:ident) => {
        const _: () = {
            use diesel::backend::Backend;
            use diesel::expression::AsExpression;
            use diesel::sql_types::{Nullable, Text};
            use $crate::code::__private::diesel;

            // Bound as its `&'static str` code: the same expression a string literal gives, so
            // a typed query is the query the literal wrote.
            impl AsExpression<Text> for $name {
                type Expression = diesel::dsl::AsExprOf<&'static str, Text>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Text>::as_expression(self.as_str())
                }
            }

            impl AsExpression<Text> for &$name {
                type Expression = diesel::dsl::AsExprOf<&'static str, Text>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Text>::as_expression(self.as_str())
                }
            }

            impl AsExpression<Nullable<Text>> for $name {
                type Expression = diesel::dsl::AsExprOf<&'static str, Nullable<Text>>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Nullable<Text>>::as_expression(self.as_str())
                }
            }

            impl AsExpression<Nullable<Text>> for &$name {
                type Expression = diesel::dsl::AsExprOf<&'static str, Nullable<Text>>;
                fn as_expression(self) -> Self::Expression {
                    AsExpression::<Nullable<Text>>::as_expression(self.as_str())
                }
            }

            impl<DB> diesel::serialize::ToSql<Text, DB> for $name
            where
                DB: Backend,
                str: diesel::serialize::ToSql<Text, DB>,
            {
                fn to_sql<'b>(
                    &'b self,
                    out: &mut diesel::serialize::Output<'b, '_, DB>,
                ) -> diesel::serialize::Result {
                    diesel::serialize::ToSql::<Text, DB>::to_sql(self.as_str(), out)
                }
            }

            impl<DB> diesel::deserialize::FromSql<Text, DB> for $name
            where
                DB: Backend,
                String: diesel::deserialize::FromSql<Text, DB>,
            {
                fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                    let code = <String as diesel::deserialize::FromSql<Text, DB>>::from_sql(bytes)?;
                    Ok(code.parse::<$name>()?)
                }
            }

            impl<DB, ST> diesel::deserialize::Queryable<ST, DB> for $name
            where
                DB: Backend,
                ST: diesel::sql_types::SingleValue,
                Self: diesel::deserialize::FromSql<ST, DB>,
            {
                type Row = Self;
                fn build(row: Self) -> diesel::deserialize::Result<Self> {
                    Ok(row)
                }
            }
        };
    };
}

#[cfg(not(feature = "diesel"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __code_enum_diesel {
    ($name:ident) => {};
}

#[cfg(test)]
mod tests {
    crate::code_enum! {
        /// A vocabulary for these tests.
        #[derive(Default)]
        enum Shade {
            Light = "light",
            #[default]
            Dark = "dark",
        }
        all = [Dark, Light];
    }

    #[test]
    fn codes_round_trip_through_every_form() {
        assert_eq!(Shade::ALL, [Shade::Dark, Shade::Light]);
        assert!(Shade::Light < Shade::Dark);
        assert_eq!(Shade::default(), Shade::Dark);
        for shade in Shade::ALL {
            assert_eq!(Shade::from_code(shade.as_str()), Some(shade));
            assert_eq!(shade.to_string(), shade.as_str());
            assert_eq!(shade.as_str().parse::<Shade>(), Ok(shade));
            let json = serde_json::to_value(shade).expect("serialises");
            assert_eq!(json, shade.as_str());
            assert_eq!(
                serde_json::from_value::<Shade>(json).expect("deserialises"),
                shade
            );
        }
    }

    #[cfg(feature = "openapi")]
    #[test]
    fn the_schema_lists_the_codes() {
        let schema =
            serde_json::to_value(<Shade as utoipa::PartialSchema>::schema()).expect("serialises");
        assert_eq!(
            schema["enum"],
            serde_json::json!(["light", "dark"]),
            "{schema}"
        );
    }

    #[test]
    fn an_unknown_code_is_named_never_defaulted() {
        assert_eq!(Shade::from_code("grey"), None);
        let err = "grey".parse::<Shade>().expect_err("not a code");
        assert_eq!(err.to_string(), "`grey` is not a Shade code");
        assert!(serde_json::from_str::<Shade>("\"grey\"").is_err());
    }
}
