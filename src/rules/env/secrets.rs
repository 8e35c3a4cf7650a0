//! E401 committed-secret: a secret value in a committed env, config or manifest file. The
//! message quotes the value only through [`crate::redact`]. E402 secret-in-config-map: a
//! secret-like variable served from a ConfigMap in one environment and from a Secret in
//! another.

use std::collections::{BTreeMap, BTreeSet};

use super::{EnvCtx, EnvDraft, tier_multiplier};
use crate::classify::env::Tier;
use crate::finding::Severity;
use crate::model::env::{FileId, ObjectKind, Provision, ServedFrom, UNNAMED};
use crate::model::secrets;
use crate::rules::Rule;

pub struct CommittedSecret;

impl Rule for CommittedSecret {
    fn code(&self) -> &'static str {
        "E401"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        let model = cx.model;
        for s in &model.secrets {
            let path = model.path(s.file);
            let mut d = EnvDraft::new("E401", s.file, s.key_span, &s.key);
            let held = match &s.holder {
                Some(h) => format!(" of {h}"),
                None => String::new(),
            };
            d.message = format!(
                "`{}`{held} holds {} ({}) committed in `{path}`",
                s.key,
                s.kind.describe(),
                s.redacted
            );
            d.label = "committed secret".to_string();
            if s.documented {
                d.reasons
                    .push("in a file that documents the contract or holds fixtures".into());
            }
            d.rollback.push(format!(
                "Rotate the value of `{}` at its provider, then remove it from `{path}`; deleting the line alone does not remove it from the git history.",
                s.key
            ));
            d.vars.insert("key", s.key.clone());
            out.push(d);
        }
    }
}

/// E402 secret-in-config-map: a secret-like variable one environment serves from a ConfigMap
/// while another environment of the same process takes it from a Secret.
pub struct SecretInConfigMap;

impl Rule for SecretInConfigMap {
    fn code(&self) -> &'static str {
        "E402"
    }

    fn check_env(&self, cx: &EnvCtx<'_>, out: &mut Vec<EnvDraft>) {
        let model = cx.model;
        // (process, variable) → (environment, tier, provision) for every Kubernetes value
        // served from an object.
        type Served<'a> = Vec<(&'a str, Tier, &'a Provision, &'a ServedFrom)>;
        let mut by_var: BTreeMap<(&str, &str), Served<'_>> = BTreeMap::new();
        for t in &model.targets {
            let (env, tier) = match &t.env {
                Some(e) => (e.name.as_str(), e.tier()),
                None => (UNNAMED, Tier::Development),
            };
            for p in &t.provisions {
                if let Some(from) = &p.from
                    && secrets::secret_like_key(&p.name)
                {
                    by_var
                        .entry((t.identity.as_str(), p.name.as_str()))
                        .or_default()
                        .push((env, tier, p, from));
                }
            }
        }
        let mut seen: BTreeSet<(FileId, usize, usize)> = BTreeSet::new();
        for ((_, var), served) in &by_var {
            let secret = served
                .iter()
                .filter(|(_, _, _, f)| f.kind == ObjectKind::Secret)
                .max_by_key(|(_, tier, _, _)| *tier);
            let Some((secret_env, _, _, secret_from)) = secret else {
                continue;
            };
            for (env, tier, _, from) in served {
                if from.kind != ObjectKind::ConfigMap
                    || env == secret_env
                    || !seen.insert((from.file, from.span.start, from.span.end))
                {
                    continue;
                }
                let mut d = EnvDraft::new("E402", from.file, from.span, var);
                d.message = format!(
                    "`{var}` is served from ConfigMap `{}` in `{env}` while `{secret_env}` takes it from Secret `{}`: a ConfigMap is stored unencrypted and readable by anyone who may read the namespace's configuration",
                    from.object, secret_from.object
                );
                d.label = "secret-like value in a ConfigMap".to_string();
                d.related.push((
                    secret_from.file,
                    secret_from.span,
                    format!("`{secret_env}` keeps it in Secret `{}`", secret_from.object),
                ));
                let m = tier_multiplier(*tier);
                d.multiplier = m;
                d.reasons
                    .push(format!("`{env}` is a {} environment (×{m})", tier.as_str()));
                if *tier == Tier::Development {
                    d.severity = Some(Severity::Low);
                }
                d.rollback.push(format!(
                    "Move `{var}` from ConfigMap `{}` to a Secret and point the container at it (`secretKeyRef` or `envFrom.secretRef`); rotate the value if the ConfigMap was ever applied.",
                    from.object
                ));
                d.vars.insert("key", var.to_string());
                d.vars.insert("environment", env.to_string());
                d.vars.insert("object", from.object.clone());
                out.push(d);
            }
        }
    }
}
