//! E401 committed-secret: a secret value in a committed env or config file. The message
//! quotes the value only through [`crate::redact`].

use super::{EnvCtx, EnvDraft};
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
            d.message = format!(
                "`{}` holds {} ({}) committed in `{path}`",
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
