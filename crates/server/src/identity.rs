//! Who is acting on a request, and what they may do: the [`Actor`] that [`crate::guard`] finds
//! for every request (a signed-in account, a person's API token, the server's shared token, or
//! the one person of single-person mode) and the [`Permission`] each route needs.
//!
//! Handlers get the actor as an extractor (`actor: Actor`); code deeper in a handler that has no
//! request at hand (the pages' layout, their form tokens, the screening options) reads the
//! actor of the request being answered with [`current`].
//!
//! | permission | who has it |
//! |---|---|
//! | view pages, history, packs, rules; check a request | every account |
//! | screen, resubmit, portfolio, replay | screener |
//! | screen as of another date than today, or with a pack chosen by hand | decider |
//! | record a human decision | decider (recorded under the account's name) |
//! | reload the packs and the accounts | admin |
//!
//! In single-person mode (loopback, no users file, no token) and with the shared token alone
//! (no users file), the one actor may do everything. With a users file, the shared token may
//! only view and screen: decisions and reloads need a person.

use std::collections::BTreeSet;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use tcscreen_core::{Code, Diagnostic};
use tcscreen_service::decisions::Field;
use tcscreen_service::users::Role;

use crate::problem::{ApiError, ApiProblem};

/// What an action needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    /// See pages and answers that change nothing, and check a request.
    View,
    /// Screen requests (and resubmit them, build portfolios, replay).
    Screen,
    /// Screen as of another date than today, or with a pack chosen by hand.
    ChooseDateOrPack,
    /// Record a person's decision.
    Decide,
    /// Reload the packs and the accounts.
    Reload,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 5] = [
        Permission::View,
        Permission::Screen,
        Permission::ChooseDateOrPack,
        Permission::Decide,
        Permission::Reload,
    ];

    /// The permissions a role gives (every account may view).
    pub fn of_role(role: Role) -> &'static [Permission] {
        match role {
            Role::Screener => &[Permission::Screen],
            Role::Decider => &[Permission::ChooseDateOrPack, Permission::Decide],
            Role::Admin => &[Permission::Reload],
        }
    }

    /// The role that gives this permission.
    pub fn role(self) -> Option<Role> {
        match self {
            Permission::View => None,
            Permission::Screen => Some(Role::Screener),
            Permission::ChooseDateOrPack | Permission::Decide => Some(Role::Decider),
            Permission::Reload => Some(Role::Admin),
        }
    }

    /// What it allows, in words ("record decisions").
    pub fn in_words(self) -> &'static str {
        match self {
            Permission::View => "see this page",
            Permission::Screen => "screen requests",
            Permission::ChooseDateOrPack => {
                "screen as of another date than today, or with a pack chosen by hand"
            }
            Permission::Decide => "record decisions",
            Permission::Reload => "reload the packs and the accounts",
        }
    }

    /// What a request needs: reading needs nothing but an account; a decision needs a decider;
    /// a reload an admin; checking a request (validate) changes nothing; any other change
    /// screens. Sign-in and sign-out are public and never reach this.
    pub fn for_route(method: &Method, path: &str) -> Permission {
        if method == Method::GET || method == Method::HEAD || path == "/v1/validate" {
            Permission::View
        } else if path == "/v1/reload" || path == "/reload" {
            Permission::Reload
        } else if path
            .split('/')
            .any(|segment| matches!(segment, "decision" | "decisions" | "decide"))
        {
            Permission::Decide
        } else {
            Permission::Screen
        }
    }
}

/// How the actor proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// Single-person mode: loopback, no accounts, no token.
    SinglePerson,
    /// The server's shared token (`--token-file`).
    SharedToken,
    /// A session begun at the sign-in page (the digest of its id is not kept here).
    Session {
        /// The session's form token.
        form_token: String,
    },
    /// A person's own API token.
    PersonalToken,
    /// Nobody: a public page (sign-in, assets).
    Anonymous,
}

/// Who is acting on a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The account, when a person signed in or sent their own token.
    pub account: Option<String>,
    /// The account's roles (empty without an account).
    pub roles: BTreeSet<Role>,
    /// What the actor may do.
    pub permissions: BTreeSet<Permission>,
    /// How they proved it.
    pub via: Via,
}

impl Actor {
    /// The one person of single-person mode, or the holder of the shared token when the server
    /// has no accounts: everything is allowed.
    pub fn unrestricted(via: Via) -> Actor {
        Actor {
            account: None,
            roles: BTreeSet::new(),
            permissions: Permission::ALL.into_iter().collect(),
            via,
        }
    }

    /// The shared token on a server with accounts: view and screen only.
    pub fn shared_token_with_accounts() -> Actor {
        Actor {
            account: None,
            roles: BTreeSet::new(),
            permissions: [Permission::View, Permission::Screen].into_iter().collect(),
            via: Via::SharedToken,
        }
    }

    /// A person with an account and its roles.
    pub fn account(name: &str, roles: &BTreeSet<Role>, via: Via) -> Actor {
        let mut permissions: BTreeSet<Permission> = [Permission::View].into_iter().collect();
        for role in roles {
            permissions.extend(Permission::of_role(*role));
        }
        Actor {
            account: Some(name.to_string()),
            roles: roles.clone(),
            permissions,
            via,
        }
    }

    /// Nobody (public pages).
    pub fn anonymous() -> Actor {
        Actor {
            account: None,
            roles: BTreeSet::new(),
            permissions: BTreeSet::new(),
            via: Via::Anonymous,
        }
    }

    /// Whether the actor may do what `permission` allows.
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// `Ok` if the actor may; 403 (H020) saying which role it takes otherwise.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.may(permission) {
            return Ok(());
        }
        let (message, help) = match (&self.account, permission.role()) {
            (Some(name), Some(role)) => (
                format!(
                    "the account {name} may not {}: that needs the role {role}",
                    permission.in_words()
                ),
                "ask an administrator of this server to give the account that role".to_string(),
            ),
            (None, _) if self.via == Via::SharedToken => (
                format!(
                    "the server's shared token may not {}: this server has accounts",
                    permission.in_words()
                ),
                "send a person's own API token (tcscreen users token NAME), so that the register names who acted".to_string(),
            ),
            _ => (
                format!("you may not {}", permission.in_words()),
                "sign in with an account that may".to_string(),
            ),
        };
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Diagnostic::error(Code::H020, message).help(help),
        ))
    }

    /// The name a human decision is recorded under: the signed-in account, never a typed
    /// name (one that differs is refused); without an account (single-person mode, or the
    /// shared token alone), the name given.
    pub fn decided_by(&self, given: Option<&str>) -> Result<String, ApiError> {
        let given = given.map(str::trim).filter(|g| !g.is_empty());
        match (&self.account, given) {
            (Some(account), Some(given)) if given != account => {
                Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ApiProblem::at(
                        Diagnostic::error(
                            Code::H007,
                            format!(
                                "a decision is recorded under the account that takes it ({account}), not under another name"
                            ),
                        )
                        .help("leave `by` out, or give the account's own name"),
                        Field::By.name(),
                    ),
                ))
            }
            (Some(account), _) => Ok(account.clone()),
            (None, given) => Ok(given.unwrap_or_default().to_string()),
        }
    }

    /// The form token of this actor's session, when it has one.
    pub fn session_form_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { form_token } => Some(form_token),
            _ => None,
        }
    }
}

tokio::task_local! {
    static CURRENT: Actor;
}

/// Run `future` as the request of `actor` (so that [`current`] finds it).
pub async fn scope<F: std::future::Future>(actor: Actor, future: F) -> F::Output {
    CURRENT.scope(actor, future).await
}

/// The actor of the request being answered ([`Actor::anonymous`] outside one).
pub fn current() -> Actor {
    CURRENT
        .try_with(Clone::clone)
        .unwrap_or_else(|_| Actor::anonymous())
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Actor, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Actor>()
            .cloned()
            .unwrap_or_else(Actor::anonymous))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_give_their_permissions_and_nothing_else() {
        let screener = Actor::account(
            "s",
            &[Role::Screener].into_iter().collect(),
            Via::PersonalToken,
        );
        assert!(screener.may(Permission::Screen));
        assert!(!screener.may(Permission::Decide));
        assert!(!screener.may(Permission::ChooseDateOrPack));
        let refused = screener.require(Permission::Decide).unwrap_err();
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(
            refused.problems[0]
                .diagnostic
                .message
                .contains("role decider")
        );
        let decider = Actor::account(
            "d",
            &[Role::Decider].into_iter().collect(),
            Via::PersonalToken,
        );
        assert!(decider.may(Permission::Decide) && !decider.may(Permission::Screen));
        assert!(!Actor::shared_token_with_accounts().may(Permission::Decide));
        assert!(Actor::unrestricted(Via::SinglePerson).may(Permission::Reload));
    }

    #[test]
    fn a_decision_is_recorded_under_the_account_never_a_typed_name() {
        let a = Actor::account("a.officer", &BTreeSet::new(), Via::PersonalToken);
        assert_eq!(a.decided_by(None).unwrap(), "a.officer");
        assert_eq!(a.decided_by(Some("a.officer")).unwrap(), "a.officer");
        assert!(a.decided_by(Some("The Minister")).is_err());
        let single = Actor::unrestricted(Via::SinglePerson);
        assert_eq!(
            single.decided_by(Some(" A. Officer ")).unwrap(),
            "A. Officer"
        );
    }

    #[test]
    fn routes_need_what_they_change() {
        let post = Method::POST;
        assert_eq!(
            Permission::for_route(&Method::GET, "/history"),
            Permission::View
        );
        assert_eq!(
            Permission::for_route(&post, "/v1/validate"),
            Permission::View
        );
        assert_eq!(
            Permission::for_route(&post, "/v1/screen"),
            Permission::Screen
        );
        assert_eq!(
            Permission::for_route(&post, "/v1/register/R-1/decision"),
            Permission::Decide
        );
        assert_eq!(
            Permission::for_route(&post, "/history/decision"),
            Permission::Decide
        );
        assert_eq!(
            Permission::for_route(&post, "/v1/reload"),
            Permission::Reload
        );
    }
}
