//! Regions (ISO 3166-2:KZ) and districts. The 20 regions ship as reference data in the
//! migrations; districts are added by administrators. Here: the shape of their codes and names.

use serde::{Deserialize, Serialize};

use crate::validation::Validation;

/// `KZ-NN`, an ISO 3166-2:KZ subdivision code. Whether the region exists is the database's
/// answer; this type only guarantees the shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionCode(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodeError {
    #[error("must look like KZ-71 (ISO 3166-2:KZ)")]
    Region,
    #[error(
        "must start with the region code and a dash, then 1-8 letters or digits (e.g. KZ-71-01)"
    )]
    District,
}

impl RegionCode {
    pub fn parse(code: &str) -> Result<Self, CodeError> {
        let b = code.as_bytes();
        if b.len() == 5 && code.starts_with("KZ-") && b[3..].iter().all(u8::is_ascii_digit) {
            Ok(Self(code.to_string()))
        } else {
            Err(CodeError::Region)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `<region>-<local part>`, e.g. `KZ-71-01`: a district code carries its region, so a
/// district can never be filed under the wrong region.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DistrictCode(String);

impl DistrictCode {
    pub fn parse(region: &RegionCode, code: &str) -> Result<Self, CodeError> {
        let local = code
            .strip_prefix(region.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .ok_or(CodeError::District)?;
        if (1..=8).contains(&local.len()) && local.bytes().all(|c| c.is_ascii_alphanumeric()) {
            Ok(Self(code.to_string()))
        } else {
            Err(CodeError::District)
        }
    }

    /// The region a district code belongs to.
    pub fn region(&self) -> RegionCode {
        RegionCode(self.0[..5].to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name in the three languages Qorgau's users read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalizedName {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

impl LocalizedName {
    pub const MAX_LEN: usize = 200;

    /// Validates each language under `field.kk`, `field.ru`, `field.en`.
    pub fn validate(&self, field: &str, v: &mut Validation) -> Option<LocalizedName> {
        let kk = v.text(&format!("{field}.kk"), &self.kk, Self::MAX_LEN);
        let ru = v.text(&format!("{field}.ru"), &self.ru, Self::MAX_LEN);
        let en = v.text(&format!("{field}.en"), &self.en, Self::MAX_LEN);
        Some(LocalizedName {
            kk: kk?,
            ru: ru?,
            en: en?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes() {
        assert!(RegionCode::parse("KZ-71").is_ok());
        for bad in ["KZ-7", "KZ-711", "kz-71", "KZ_71", "RU-71", "", "KZ-7a"] {
            assert_eq!(RegionCode::parse(bad), Err(CodeError::Region), "{bad}");
        }
    }

    #[test]
    fn district_codes_belong_to_their_region() {
        let astana = RegionCode::parse("KZ-71").expect("valid");
        let d = DistrictCode::parse(&astana, "KZ-71-01").expect("valid");
        assert_eq!(d.region(), astana);
        for bad in [
            "KZ-75-01",
            "KZ-71",
            "KZ-71-",
            "KZ-71-01-02",
            "KZ-71-ABCDEFGHI",
            "KZ-7101",
        ] {
            assert_eq!(
                DistrictCode::parse(&astana, bad),
                Err(CodeError::District),
                "{bad}"
            );
        }
    }
}

/// The codes' schemas in the OpenAPI document: the patterns [`RegionCode::parse`] and
/// [`DistrictCode::parse`] accept (that a district belongs to the region given beside it, no
/// pattern can say).
#[cfg(feature = "openapi")]
mod schema {
    use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

    fn code(pattern: &str, example: &str, description: &str) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .examples([example])
            .description(Some(description))
            .into()
    }

    impl utoipa::PartialSchema for super::RegionCode {
        fn schema() -> RefOr<Schema> {
            code("^KZ-[0-9]{2}$", "KZ-71", "An ISO 3166-2:KZ region code")
        }
    }
    impl utoipa::ToSchema for super::RegionCode {}

    impl utoipa::PartialSchema for super::DistrictCode {
        fn schema() -> RefOr<Schema> {
            let description = "A district: its region's code, `-`, and 1–8 letters or digits";
            code("^KZ-[0-9]{2}-[A-Za-z0-9]{1,8}$", "KZ-71-01", description)
        }
    }
    impl utoipa::ToSchema for super::DistrictCode {}
}
