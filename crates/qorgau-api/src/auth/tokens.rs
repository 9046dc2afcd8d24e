//! Access tokens are short-lived HS256 JWTs that carry the caller's role and place, so most
//! requests need no user lookup; each names its login (`sid`), which logout and refresh-token
//! reuse revoke. Refresh tokens are the application's (`qorgau_app::sessions`).

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use qorgau_domain::access::Actor;
use qorgau_domain::ids::{OrganisationId, SessionId, UserId};
use qorgau_domain::role::Role;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    sid: SessionId,
    role: Role,
    org: OrganisationId,
    region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    district: Option<String>,
    /// The password was reset by an administrator: the token may only change it
    /// (`auth::caller`). Absent, not `false`, on every other token.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pcr: bool,
    iat: i64,
    exp: i64,
}

/// HMAC-SHA256 of `message` under `key`.
fn mac(key: &[u8], message: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    // HMAC accepts a key of any length.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// What a genuine, unexpired access token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bearer {
    pub actor: Actor,
    pub session: SessionId,
    /// Only `POST /me/password` (and logout) may be called with it.
    pub password_change_required: bool,
}

/// Seconds an access token is still accepted after its `exp`: the small allowance for clock
/// skew between instances that jsonwebtoken's `leeway` gave before expiry was read from the
/// application's clock.
const EXPIRY_LEEWAY_SECONDS: i64 = 5;

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: chrono::Duration,
    /// The key of [`TokenKeys::tag`]: derived from the secret, so that no tag is ever a
    /// signature a token could carry.
    tag_key: std::sync::Arc<[u8]>,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: chrono::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is compared with the application's clock in `verify`, not with the system
        // clock that jsonwebtoken would read, so that the clock tests move reaches tokens too.
        // `exp` stays a required claim.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
            tag_key: mac(secret, b"qorgau form tags").into(),
        }
    }

    /// A token of `bearer`'s login that expires at `expires` rather than after the access
    /// lifetime: the console's session cookie, which lasts as long as its login.
    pub fn issue_until(
        &self,
        bearer: &Bearer,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        self.sign(bearer, now, expires)
    }

    /// A keyed tag of `value` for `purpose` (HMAC-SHA256, base64url): the console's form
    /// tokens, bound to a login or to a browser's pre-sign-in cookie. Unforgeable without the
    /// secret, and the same on every instance.
    pub fn tag(&self, purpose: &str, value: &str) -> String {
        use base64::Engine;
        let message = [purpose.as_bytes(), b"\0", value.as_bytes()].concat();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac(&self.tag_key, &message))
    }

    pub fn access_ttl_seconds(&self) -> i64 {
        self.access_ttl.num_seconds()
    }

    pub fn issue(&self, bearer: &Bearer, now: DateTime<Utc>) -> Result<String, ApiError> {
        self.sign(bearer, now, now + self.access_ttl)
    }

    fn sign(
        &self,
        bearer: &Bearer,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let actor = &bearer.actor;
        let claims = Claims {
            sub: actor.user_id,
            sid: bearer.session,
            role: actor.role,
            org: actor.organisation_id,
            region: actor.region_code.clone(),
            district: actor.district_code.clone(),
            pcr: bearer.password_change_required,
            iat: now.timestamp(),
            exp: expires.timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "token signing failed");
            ApiError::Internal
        })
    }

    /// The caller and their login, if the token is genuine and unexpired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<Bearer> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        // As jsonwebtoken's own check was: expired once `exp` is more than the leeway past.
        if claims.exp < now.timestamp() - EXPIRY_LEEWAY_SECONDS {
            return None;
        }
        let actor = Actor {
            user_id: claims.sub,
            role: claims.role,
            organisation_id: claims.org,
            region_code: claims.region,
            district_code: claims.district,
        };
        Some(Bearer {
            actor,
            session: claims.sid,
            password_change_required: claims.pcr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn actor() -> Actor {
        Actor {
            user_id: UserId::new(),
            role: Role::Supervisor,
            organisation_id: OrganisationId::new(),
            region_code: "KZ-71".into(),
            district_code: None,
        }
    }

    fn bearer(actor: Actor) -> Bearer {
        Bearer {
            actor,
            session: SessionId::new(),
            password_change_required: false,
        }
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_actor() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let now = Utc::now();
        for password_change_required in [false, true] {
            let b = Bearer {
                password_change_required,
                ..bearer(actor())
            };
            let token = keys.issue(&b, now).expect("signs");
            assert_eq!(keys.verify(&token, now), Some(b));
        }
    }

    #[test]
    fn a_token_without_the_restriction_claim_is_unrestricted() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let token = keys.issue(&bearer(actor()), Utc::now()).expect("signs");
        let payload = token.split('.').nth(1).expect("a JWT");
        use base64::Engine;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64");
        let claims: serde_json::Value = serde_json::from_slice(&claims).expect("JSON");
        assert!(claims.get("pcr").is_none(), "{claims}");
    }

    #[test]
    fn tokens_expire_by_the_time_given_not_the_system_clock() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let issued = Utc
            .with_ymd_and_hms(2025, 3, 3, 4, 0, 0)
            .single()
            .expect("valid");
        let token = keys.issue(&bearer(actor()), issued).expect("signs");
        let exp = issued + chrono::Duration::minutes(15);
        // Years before the system clock's now, the token is still valid at its own time.
        assert!(keys.verify(&token, issued).is_some());
        assert!(keys.verify(&token, exp).is_some());
        let leeway = chrono::Duration::seconds(EXPIRY_LEEWAY_SECONDS);
        assert!(keys.verify(&token, exp + leeway).is_some(), "the leeway");
        assert_eq!(
            keys.verify(&token, exp + leeway + chrono::Duration::seconds(1)),
            None
        );
    }

    #[test]
    fn tags_depend_on_purpose_value_and_secret() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let tag = keys.tag("csrf", "session-a");
        assert_eq!(tag, keys.tag("csrf", "session-a"));
        assert_ne!(tag, keys.tag("csrf", "session-b"));
        assert_ne!(tag, keys.tag("other", "session-a"));
        let other = TokenKeys::new(&[8; 32], chrono::Duration::minutes(15));
        assert_ne!(tag, other.tag("csrf", "session-a"));
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let now = Utc::now();
        let old = keys
            .issue(&bearer(actor()), now - chrono::Duration::hours(1))
            .expect("signs");
        assert_eq!(keys.verify(&old, now), None);
        let other = TokenKeys::new(&[8; 32], chrono::Duration::minutes(15));
        let foreign = other.issue(&bearer(actor()), now).expect("signs");
        assert_eq!(keys.verify(&foreign, now), None);
        assert_eq!(keys.verify("not.a.jwt", now), None);
    }
}
