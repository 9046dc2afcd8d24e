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
    iat: i64,
    exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: chrono::Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: chrono::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    pub fn access_ttl_seconds(&self) -> i64 {
        self.access_ttl.num_seconds()
    }

    pub fn issue(
        &self,
        actor: &Actor,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            sub: actor.user_id,
            sid: session,
            role: actor.role,
            org: actor.organisation_id,
            region: actor.region_code.clone(),
            district: actor.district_code.clone(),
            iat: now.timestamp(),
            exp: (now + self.access_ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
            tracing::error!(error = %e, "token signing failed");
            ApiError::Internal
        })
    }

    /// The caller and their login, if the token is genuine and unexpired.
    pub fn verify(&self, token: &str) -> Option<(Actor, SessionId)> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        let actor = Actor {
            user_id: claims.sub,
            role: claims.role,
            organisation_id: claims.org,
            region_code: claims.region,
            district_code: claims.district,
        };
        Some((actor, claims.sid))
    }
}

/// Generated secrets are the application's; kept reachable here for the configuration and the
/// dataset generator.
pub use qorgau_app::secrets::random_token;

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            user_id: UserId::new(),
            role: Role::Supervisor,
            organisation_id: OrganisationId::new(),
            region_code: "KZ-71".into(),
            district_code: None,
        }
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_actor() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let (a, sid) = (actor(), SessionId::new());
        let token = keys.issue(&a, sid, Utc::now()).expect("signs");
        assert_eq!(keys.verify(&token), Some((a, sid)));
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_refused() {
        let keys = TokenKeys::new(&[7; 32], chrono::Duration::minutes(15));
        let old = keys
            .issue(
                &actor(),
                SessionId::new(),
                Utc::now() - chrono::Duration::hours(1),
            )
            .expect("signs");
        assert_eq!(keys.verify(&old), None);
        let other = TokenKeys::new(&[8; 32], chrono::Duration::minutes(15));
        let foreign = other
            .issue(&actor(), SessionId::new(), Utc::now())
            .expect("signs");
        assert_eq!(keys.verify(&foreign), None);
        assert_eq!(keys.verify("not.a.jwt"), None);
    }
}
